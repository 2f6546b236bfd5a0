// The edge recipe in real Chromium over HTTP/3: Caddy (the example Caddyfile)
// in front of the kit, QUIC forced for the edge's origin. A returning visit
// after a deploy sends its digest through Caddy and gets only the new asset
// in the push stream.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate, parseSummaryHeader, startServer, type DevCertificate, type RunningServer } from '@cache-digest/server';
import { startCaddy, type RunningCaddy } from './start-caddy.ts';
import { recordNetwork, visitUntilStatus } from './test-support/browser-network.ts';
import { edgeTestAssets, writeEdgeTestSite } from './test-support/edge-test-site.ts';
import { readAccessLog } from './test-support/read-access-log.ts';

let workDir: string;
let root: string;
let certs: DevCertificate;
let kit: RunningServer;
let caddy: RunningCaddy;
let context: BrowserContext;
let origin: string;
/** Requests that crossed the network: `sw URL` (the worker's) or `page URL` (not answered by the worker). */
const network: string[] = [];

const startKit = (port = 0) => startServer({ root, port, injectLoader: true, certDir: path.join(workDir, 'certs'), log: false });

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-edge-caddy-'));
  root = path.join(workDir, 'site');
  await writeEdgeTestSite(root, 'v1');
  certs = await ensureDevCertificate(path.join(workDir, 'certs'));
  kit = await startKit();
  caddy = await startCaddy({ kitPort: kit.port, certPath: certs.certPath, keyPath: certs.keyPath, kitCaPath: certs.caPath, stateDir: path.join(workDir, 'caddy') });
  origin = caddy.url.replace(/\/$/, '');
  context = await chromium.launchPersistentContext(path.join(workDir, 'profile'), {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    timeout: 60_000,
    // QUIC stays on (no --disable-quic) and is forced for the edge's origin: HTTP/3 from the first request.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--origin-to-force-quic-on=localhost:${caddy.port}`, `--ignore-certificate-errors-spki-list=${certs.spki}`],
  });
  recordNetwork(context, network);
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await caddy?.close();
  await kit?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const visit = (status: string): Promise<Page> => visitUntilStatus(context, origin, status, network);

/** Caddy's access-log entries for the page, newest last. */
const pageRequests = () => readAccessLog(caddy.log()).filter((entry) => entry.uri === '/');

describe('Caddy in front of the kit, Chromium over HTTP/3', () => {
  it('first visit: the page comes over h3 with Early Hints kept, the worker registers and stores the assets', async () => {
    const page = await visit('ready v1');
    expect(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol)).toBe('h3');
    const first = pageRequests().at(-1)!;
    expect(first.proto).toBe('HTTP/3.0');
    expect(parseSummaryHeader(first.responseHeaders['cache-digest-push'])).toMatchObject({ mode: 'hints', digest: 0, pushed: 3 });
    expect(first.responseHeaders['link']).toContain('</style.css>; rel=preload');
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 30_000 });
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const urls: string[] = [];
            for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
            return urls.sort();
          }),
        { timeout: 30_000 },
      )
      .toEqual(expect.arrayContaining(edgeTestAssets('v1')));
    await page.close();
  }, 90_000);

  it('after a deploy, a repeat visit over h3 sends its digest through Caddy and gets only the new script in the stream', async () => {
    // A deploy: the new build, the kit restarted on the same port behind the same Caddy.
    await kit.close();
    await writeEdgeTestSite(root, 'v2');
    kit = await startKit(kit.port);
    const page = await visit('ready v2');
    const repeat = pageRequests().at(-1)!;
    expect(repeat.proto).toBe('HTTP/3.0');
    // The worker's digest reached the kit through Caddy (as a header or in the navigation preload value).
    expect(`${repeat.headers['cache-digest'] ?? ''} ${repeat.headers['service-worker-navigation-preload'] ?? ''}`).toMatch(/[A-Za-z0-9_-]{4,}/);
    expect(repeat.responseHeaders['content-type']).toContain('application/vnd.cache-digest.push-stream');
    const summary = parseSummaryHeader(repeat.responseHeaders['cache-digest-push']);
    expect(summary).toMatchObject({ mode: 'stream', pushed: 1, skipped: 2 });
    expect(summary!.digest).toBeGreaterThanOrEqual(3);
    expect(repeat.responseHeaders['push-stream-urls']).toBe('/app.v2.js');
    // The worker fetched the page once (its stream carried the script) and no asset; nothing left the origin.
    expect(network.filter((line) => line === `sw ${origin}/`)).toHaveLength(1);
    expect(network.filter((line) => edgeTestAssets('v2').some((asset) => line.endsWith(`${origin}${asset}`)))).toEqual([]);
    expect(network.filter((line) => !line.split(' ')[1]!.startsWith(`${origin}/`))).toEqual([]);
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('title')!).color)).toBe('rgb(10, 20, 30)');
    await page.close();
  }, 90_000);
});
