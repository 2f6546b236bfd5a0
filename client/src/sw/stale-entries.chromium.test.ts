// A returning visitor whose entries have all expired (short max-age, so the
// test does not wait long) and nothing changed: the worker's digest holds
// them in the stale validators digest (URL + ETag), the server answers each
// with a 304 part inside the one navigation response, the worker serves its
// copies and refreshes their freshness from the parts. Compared, in the same
// run, with the HTTP cache's revalidation in a Chromium without the worker.
import http2 from 'node:http2';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCacheDigestHeader, parsePreloadValue, NAVIGATION_PRELOAD_HEADER } from '@cache-digest/shared';
import { startServer, type RunningServer } from '@cache-digest/server';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, chromiumArgs, launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { eventually, waitForController } from '../../test-support/page-helpers.ts';
import { LOADER_PATH, WORKER_PATH } from '../paths.ts';
import { bundleClientFiles } from '../vite/bundle-client-files.ts';
import { STORED_META_HEADER } from './stored-response.ts';

const MAX_AGE_S = 2;
const ASSETS = ['/s/site.css', '/s/app.js', ...Array.from({ length: 6 }, (_, i) => `/s/photo-${i}.png`)];
const PAGE = `<!doctype html><html><head><meta charset=utf-8><link rel=stylesheet href=/s/site.css><script src=/s/app.js defer></script><script src="${LOADER_PATH}" async></script></head><body><h1 id=t>stale</h1>${ASSETS.filter((url) => url.endsWith('.png')).map((url) => `<img src=${url} alt="">`).join('')}</body></html>`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('returning after every entry expired, in Chromium', () => {
  let root: string;
  let server: RunningServer;
  let browser: LaunchedChromium;
  let page: Page;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cache-digest-stale-'));
    await mkdir(path.join(root, 's'));
    await writeFile(path.join(root, 'index.html'), PAGE);
    await writeFile(path.join(root, 's', 'site.css'), `h1 { color: rgb(1, 2, 3) }\n/* ${'c'.repeat(3000)} */\n`);
    await writeFile(path.join(root, 's', 'app.js'), `document.body.dataset.app = 'ran';\n// ${'j'.repeat(6000)}\n`);
    for (let i = 0; i < 6; i++) await writeFile(path.join(root, 's', `photo-${i}.png`), Buffer.alloc(12_000, i));
    // No freshness margin: an entry counts as stale exactly when it expires.
    const files = await bundleClientFiles({ freshnessMarginMs: 0 });
    await writeFile(path.join(root, LOADER_PATH.slice(1)), files.loader);
    await writeFile(path.join(root, WORKER_PATH.slice(1)), files.worker);
    server = await startServer({
      root,
      mode: 'stream',
      certDir: path.join(root, '.certs'),
      log: false,
      cacheControl: { other: `public, max-age=${MAX_AGE_S}` },
    });
    browser = await launchChromium({ spki: [server.spki] });
    page = await browser.context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** When the worker stored each asset (epoch ms), from its Cache Storage copies. */
  const storedAt = () =>
    page.evaluate(
      async ({ urls, header }) => {
        const times: Record<string, number> = {};
        for (const url of urls) {
          const response = await caches.match(url, { ignoreVary: true });
          times[url] = response ? Number((response.headers.get(header) ?? '0').split(';')[0]) : 0;
        }
        return times;
      },
      { urls: ASSETS.map((url) => new URL(url, server.url).href), header: STORED_META_HEADER },
    );

  it('sends the stale entries as a validators digest, gets 304 parts only, serves every asset from the worker and refreshes them', async () => {
    await page.goto(server.url);
    await waitForController(page);
    await page.goto(server.url);
    await eventually(async () => Object.values(await storedAt()).every((time) => time > 0));
    await sleep(MAX_AGE_S * 1000 + 300);

    // The digest the returning navigation carries: nothing fresh, every entry with its ETag in the stale member.
    let value = '';
    await eventually(async () => {
      value = parsePreloadValue(await page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState().then((state) => state.headerValue ?? ''))).cacheDigest ?? '';
      const stale = parseCacheDigestHeader(value).find((member) => member.stale);
      return stale !== undefined && stale.digest.size >= ASSETS.length;
    });
    const members = parseCacheDigestHeader(value);
    expect(members.filter((member) => !member.stale).reduce((sum, member) => sum + member.digest.size, 0)).toBe(0);
    expect(members.find((member) => member.stale)).toMatchObject({ validators: true });

    // The same navigation replayed from Node, to count the bytes the stream carries.
    const replay = await navigationBytes(server.url, value);

    const before = server.stats();
    const visitStart = Date.now();
    await page.goto(server.url);
    expect(await page.textContent('#t')).toBe('stale');
    await page.waitForFunction(() => document.body.dataset.app === 'ran');
    const after = server.stats();
    // No asset body crossed the network: every asset was held, and answered with a 304 part.
    expect(after.bytesPushed - before.bytesPushed).toBe(0);
    expect(after.assetsPushed - before.assetsPushed).toBe(0);
    expect(after.assetsSkipped - before.assetsSkipped).toBeGreaterThanOrEqual(ASSETS.length);
    // Every asset the page loaded came from the worker (its Server-Timing mark), none from the network.
    const sources = await page.evaluate((urls) => {
      const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      return urls.map((url) => entries.find((entry) => entry.name === url)?.serverTiming.find((timing) => timing.name === 'cache-digest-source')?.description ?? 'network');
    }, ASSETS.map((url) => new URL(url, server.url).href));
    expect(sources.every((source) => source === 'stream' || source === 'cache')).toBe(true);
    // Each copy's freshness was renewed from its 304 part.
    await eventually(async () => Object.values(await storedAt()).every((time) => time >= visitStart));

    // The HTTP cache's revalidation of the same page, in a Chromium without the worker.
    const baseline = await httpCacheRevalidation(server);
    // Every asset cost the HTTP cache a request of its own once the page was parsed.
    expect(baseline.requests).toBeGreaterThanOrEqual(ASSETS.length);
    console.log(
      [
        'returning after expiry, nothing changed (stream body bytes as read; HTTP cache sizes as Chromium reports them, headers decoded):',
        `  kit (304 parts in the navigation's stream): 1 request, stream ${replay.streamBytes} B, of which page part ${replay.pageBytes} B; 304 parts + framing ${replay.streamBytes - replay.pageBytes} B for ${replay.notModified} assets`,
        `  HTTP cache (no worker):                     ${1 + baseline.requests} requests (${baseline.requests} after the page is parsed, ${baseline.conditional} answered 304), asset responses ${baseline.responseBytes} B, request headers ${baseline.requestHeaderBytes} B`,
      ].join('\n'),
    );
  }, 120_000);
});

/** Replays a navigation with the worker's digest (as navigation preload sends it) and measures the push stream. */
async function navigationBytes(origin: string, cacheDigest: string): Promise<{ streamBytes: number; pageBytes: number; notModified: number }> {
  const session = http2.connect(origin, { rejectUnauthorized: false });
  try {
    const pageBytes = await new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':path': '/' });
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.on('end', () => resolve(bytes));
      stream.on('error', reject);
      stream.end();
    });
    return await new Promise((resolve, reject) => {
      const stream = session.request({ ':path': '/', [NAVIGATION_PRELOAD_HEADER]: `accept-push-stream=1; cache-digest=${cacheDigest}` });
      let streamBytes = 0;
      let notModified = 0;
      stream.on('response', (headers) => {
        notModified = String(headers['push-stream-urls'] ?? '').split(',').filter((url) => url.trim() !== '').length;
      });
      stream.on('data', (chunk: Buffer) => (streamBytes += chunk.length));
      stream.on('end', () => resolve({ streamBytes, pageBytes, notModified }));
      stream.on('error', reject);
      stream.end();
    });
  } finally {
    session.close();
  }
}

/** Visits twice in a Chromium whose Service Workers are blocked, the second time after expiry; counts the asset requests that reached the server (conditional or not) and their bytes. */
async function httpCacheRevalidation(server: RunningServer): Promise<{ requests: number; conditional: number; responseBytes: number; requestHeaderBytes: number }> {
  const plain = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs([server.spki]) });
  try {
    const context = await plain.newContext({ serviceWorkers: 'block' });
    const visitor = await context.newPage();
    await visitor.goto(server.url, { waitUntil: 'load' });
    await sleep(MAX_AGE_S * 1000 + 300);
    const finished: Promise<{ status: number; headers: number; body: number; request: number }>[] = [];
    visitor.on('requestfinished', (request) => {
      if (new URL(request.url()).pathname === '/') return;
      finished.push(
        Promise.all([request.response(), request.sizes()]).then(([response, sizes]) => ({ status: response?.status() ?? 0, headers: sizes.responseHeadersSize, body: sizes.responseBodySize, request: sizes.requestHeadersSize })),
      );
    });
    await visitor.goto(server.url, { waitUntil: 'load' });
    const results = await Promise.all(finished);
    return {
      requests: results.length,
      conditional: results.filter((result) => result.status === 304).length,
      responseBytes: results.reduce((sum, result) => sum + result.headers + result.body, 0),
      requestHeaderBytes: results.reduce((sum, result) => sum + result.request, 0),
    };
  } finally {
    await plain.close();
  }
}
