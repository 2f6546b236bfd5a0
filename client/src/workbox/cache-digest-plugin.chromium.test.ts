// CacheDigestPlugin inside an ordinary Workbox worker (workbox-routing +
// workbox-strategies), in real Chromium, against the real cache-digest
// server (hints mode) on loopback.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64urlEncode, encodeDigest, parseCacheDigestHeader } from '@cache-digest/shared';
import { parseSummaryHeader, startServer, type RunningServer } from '@cache-digest/server';
import type { Page, Request as BrowserRequest } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkerScript } from '../../test-support/bundle-worker-script.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedUrls, eventually, waitForController } from '../../test-support/page-helpers.ts';

const WORKER_ENTRY = fileURLToPath(new URL('../../test-support/workbox-site-worker.ts', import.meta.url));
/** The cache names the worker's strategies use (test-support/workbox-site-worker.ts). */
const ASSET_CACHE = 'site-assets';
const PAGE_CACHE = 'site-pages';
const ASSET_PATHS = ['/app.js', '/logo.svg', '/style.css'];
const SITE: Record<string, string> = {
  'index.html':
    '<!doctype html><html><head><meta charset="utf-8"><title>Workbox site</title>' +
    '<link rel="stylesheet" href="/style.css"><script src="/app.js" defer></script></head>' +
    '<body><h1 id="title">Workbox site</h1><img src="/logo.svg" alt=""><p id="status">loading</p>' +
    "<script>navigator.serviceWorker.register('/sw.js');</script></body></html>",
  'style.css': 'h1 { color: rgb(10, 20, 30); }\n',
  'app.js': "document.getElementById('status').textContent = 'ready';\n",
  'logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
};

describe('CacheDigestPlugin in a Workbox worker, in Chromium, on the real server', () => {
  let root: string;
  let server: RunningServer;
  let browser: LaunchedChromium;
  let origin: string;
  /** The ETag of the cached page (set by the second visit). */
  let pageEtag: string | null = null;
  const logLines: string[] = [];
  /** The `cache-digest` header of every navigation the worker sent (read from the browser's network events; null: none; undefined: not read yet). */
  const sentDigests: (string | null | undefined)[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cache-digest-workbox-site-'));
    for (const [file, text] of Object.entries(SITE)) await writeFile(path.join(root, file), text);
    await writeFile(path.join(root, 'sw.js'), await bundleWorkerScript(WORKER_ENTRY));
    server = await startServer({ root, port: 0, host: '127.0.0.1', mode: 'hints', compress: false, certDir: path.resolve('.dev-certs'), logLevel: 'full', log: (line) => logLines.push(line) });
    origin = server.url.replace(/\/$/, '');
    browser = await launchChromium({ spki: [server.spki] });
    browser.context.on('request', (request: BrowserRequest) => {
      if (!request.serviceWorker() || request.url() !== `${origin}/`) return;
      const recorded = sentDigests.length;
      sentDigests.push(undefined);
      void request.allHeaders().then((headers) => (sentDigests[recorded] = headers['cache-digest'] ?? null), () => undefined);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const visit = async (): Promise<{ page: Page; summary: ReturnType<typeof parseSummaryHeader> }> => {
    const page = await browser.context.newPage();
    const response = await page.goto(`${origin}/`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    return { page, summary: parseSummaryHeader(response?.headers()['cache-digest-push']) };
  };

  it('the manifest the server built lists the three assets of the page', () => {
    expect(server.manifest.pages['/index.html']?.map((asset) => asset.url).sort()).toEqual(ASSET_PATHS);
  });

  it('first visit installs the worker; nothing is cached yet', async () => {
    const { page, summary } = await visit();
    await waitForController(page);
    expect(summary).toMatchObject({ mode: 'hints', digest: 0, pushed: ASSET_PATHS.length });
    expect(await cachedUrls(page)).toEqual([]);
    await page.close();
  });

  it('second visit: the navigation goes through the plugin; the strategies cache the assets and the page', async () => {
    const { page, summary } = await visit();
    // Nothing was cached when this navigation left: an empty, complete digest.
    expect(summary).toMatchObject({ mode: 'hints', digest: 0, pushed: ASSET_PATHS.length, skipped: 0 });
    await eventually(async () => sentDigests.length >= 1 && sentDigests.at(-1) !== undefined);
    expect(sentDigests.at(-1)).toBe('AcA; complete');
    await eventually(async () => (await cachedUrls(page, ASSET_CACHE)).length === ASSET_PATHS.length && (await cachedUrls(page, PAGE_CACHE)).length === 1);
    expect(await cachedUrls(page, ASSET_CACHE)).toEqual(ASSET_PATHS.map((asset) => origin + asset));
    expect(await cachedUrls(page, PAGE_CACHE)).toEqual([`${origin}/`]);
    pageEtag = await page.evaluate(
      async ({ url, name }) => (await (await caches.open(name)).match(url))?.headers.get('etag') ?? null,
      { url: `${origin}/`, name: PAGE_CACHE },
    );
    expect(pageEtag).toMatch(/^"/);
    await page.close();
  });

  it('third visit: the server decodes a digest of exactly the cached URLs and hints nothing', async () => {
    const digestsBefore = server.stats().digestsSeen;
    const linesBefore = logLines.length;
    const sentBefore = sentDigests.length;
    const { page, summary } = await visit();

    // The assets are fresh (max-age): the fresh digest. The page is `no-cache`: the stale validators digest, keyed by URL + ETag.
    // A few entries fit the byte budget at its ceiling, P = 2^16, both members alike.
    const fresh = base64urlEncode(encodeDigest(ASSET_PATHS.map((asset) => origin + asset), { pBits: 16 }));
    const stale = base64urlEncode(encodeDigest([{ url: `${origin}/`, etag: pageEtag! }], { validators: true, pBits: 16 }));
    await eventually(async () => sentDigests.length > sentBefore && sentDigests.at(-1) !== undefined);
    const members = parseCacheDigestHeader(sentDigests.at(-1) ?? undefined);
    expect(members.map(({ value, complete, stale, validators, reset }) => ({ value, complete, stale, validators, reset }))).toEqual([
      { value: fresh, complete: true, stale: false, validators: false, reset: false },
      { value: stale, complete: false, stale: true, validators: true, reset: false },
    ]);
    for (const asset of ASSET_PATHS) expect(members[0]!.digest.has(origin + asset)).toBe(true);
    expect(members[1]!.digest.has(`${origin}/`, pageEtag!)).toBe(true);

    // What the server decoded: every entry counted, every page asset held by the client.
    expect(summary).toEqual({ mode: 'hints', digest: ASSET_PATHS.length + 1, pushed: 0, skipped: ASSET_PATHS.length, bytes: 0, pBits: 16 });
    expect(server.stats().digestsSeen).toBe(digestsBefore + 1);
    const line = logLines.slice(linesBefore).find((text) => text.includes('GET / '));
    expect(line).toContain(`skipped: ${server.manifest.pages['/index.html']!.map((asset) => asset.url).join(' ')}`);
    expect(line).not.toContain('hinted:');
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('title')!).color)).toBe('rgb(10, 20, 30)');
    await page.close();
  });
});
