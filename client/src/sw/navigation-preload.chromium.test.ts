// Navigations that reach a stopped Service Worker. Chromium 156 sends such a
// navigation to the network while the worker boots (ServiceWorkerAutoPreload),
// without the headers the worker would add; the worker therefore turns on
// navigation preload and keeps its header value equal to its digests. Real
// server (mode auto), real Chromium, workers stopped through DevTools.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCacheDigestHeader } from '@cache-digest/shared';
import { parseSummaryHeader, startServer, type RunningServer } from '@cache-digest/server';
import type { Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureSite } from '../../test-support/build-fixture-site.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedUrls, eventually, waitForController } from '../../test-support/page-helpers.ts';
import type { PushManifest } from '../vite/push-manifest-from-bundle.ts';
import { WORKER_PATH } from '../paths.ts';
import { controlServiceWorkers, type ServiceWorkerControl } from '../../test-support/service-worker-control.ts';

const CERT_DIR = path.resolve('.dev-certs');
const PRELOAD_PREFIX = 'accept-push-stream=1; cache-digest=';

describe('navigations while the worker is stopped, in Chromium', () => {
  let dir: string;
  let server: RunningServer;
  let browser: LaunchedChromium;
  let page: Page;
  let workers: ServiceWorkerControl;
  let origin: string;
  let manifest: PushManifest;
  /** The server's log lines, one per page request it received. */
  const log: string[] = [];

  const assetUrls = (pagePath: string) => manifest.pages[pagePath]!.map((asset) => origin + asset.url);

  /** Navigates, waits for the page's scripts, and returns the summary header and the server's lines for this navigation. */
  const visit = async (pathName: string, ready: string) => {
    const before = log.length;
    const response = await page.goto(origin + pathName);
    await page.waitForFunction((text) => document.getElementById('status')?.textContent === text, ready);
    return { summary: parseSummaryHeader(response?.headers()['cache-digest-push']), serverLines: log.slice(before) };
  };

  /** The registration's navigation preload state, read from the page. */
  const preloadState = () => page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState());

  /** Entries in the digests the preload header carries now (0 when it carries none). */
  const preloadDigestEntries = async () => {
    const headerValue = (await preloadState()).headerValue ?? '';
    if (!headerValue.startsWith(PRELOAD_PREFIX)) return 0;
    return parseCacheDigestHeader(headerValue.slice(PRELOAD_PREFIX.length)).reduce((sum, member) => sum + member.digest.size, 0);
  };

  /** Waits until the published header holds every cached entry (the worker publishes shortly after each change). */
  const waitForPublishedDigest = async () => {
    let cached = -1;
    await eventually(async () => {
      cached = (await cachedUrls(page)).length;
      return (await preloadDigestEntries()) === cached;
    });
    return cached;
  };

  /** The running worker, with its `setHeaderValue` calls counted in `self.setHeaderValueCalls`. */
  const spyOnRunningWorker = async (): Promise<Worker> => {
    await workers.waitRunning();
    const worker = browser.context.serviceWorkers().find((candidate) => candidate.url() === origin + WORKER_PATH);
    expect(worker).toBeDefined();
    await worker!.evaluate(() => {
      const scope = self as unknown as { setHeaderValueCalls: number };
      const proto = NavigationPreloadManager.prototype;
      const original = proto.setHeaderValue;
      scope.setHeaderValueCalls = 0;
      proto.setHeaderValue = function (this: NavigationPreloadManager, value: string) {
        scope.setHeaderValueCalls++;
        return original.call(this, value);
      };
    });
    return worker!;
  };
  const setHeaderValueCalls = (worker: Worker) => worker.evaluate(() => (self as unknown as { setHeaderValueCalls: number }).setHeaderValueCalls);

  const stopWorkers = () => workers.stopAll();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cache-digest-preload-site-'));
    await buildFixtureSite(dir);
    manifest = JSON.parse(await readFile(path.join(dir, 'push-manifest.json'), 'utf8')) as PushManifest;
    server = await startServer({ root: dir, port: 0, host: '127.0.0.1', mode: 'auto', certDir: CERT_DIR, log: (line) => log.push(line) });
    origin = server.url.replace(/\/$/, '');
    browser = await launchChromium({ spki: [server.spki] });
    page = await browser.context.newPage();
    workers = await controlServiceWorkers(browser.context, page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('first visit: the worker installs, caches the page assets, and turns navigation preload on with its digests', async () => {
    await visit('/', 'ready: home');
    await waitForController(page);
    await expect.poll(() => cachedUrls(page), { timeout: 30_000 }).toEqual(expect.arrayContaining(assetUrls('/index.html')));
    expect(await waitForPublishedDigest()).toBeGreaterThanOrEqual(assetUrls('/index.html').length);
    expect((await preloadState()).enabled).toBe(true);
  }, 60_000);

  it('worker running: each navigation is one request carrying the digests; setHeaderValue is not called while they do not change', async () => {
    const worker = await spyOnRunningWorker();
    const cached = (await cachedUrls(page)).length;
    for (let round = 0; round < 3; round++) {
      const { summary, serverLines } = await visit('/', 'ready: home');
      expect(serverLines).toHaveLength(1);
      expect(summary).toEqual({ mode: 'stream', digest: cached, pushed: 0, skipped: assetUrls('/index.html').length, bytes: 0, pBits: 16 });
    }
    expect(await setHeaderValueCalls(worker)).toBe(0);

    // Another page streams the assets it does not share; storing them changes the digests, published once for the burst.
    const missing = assetUrls('/about/index.html').filter((url) => !assetUrls('/index.html').includes(url));
    expect(missing.length).toBeGreaterThan(0);
    const { summary, serverLines } = await visit('/about/', 'ready: about');
    expect(serverLines).toHaveLength(1);
    expect(summary).toMatchObject({ mode: 'stream', pushed: missing.length });
    await expect.poll(async () => (await cachedUrls(page)).filter((url) => missing.includes(url)).length).toBe(missing.length);
    expect(await waitForPublishedDigest()).toBe(cached + missing.length);
    const calls = await setHeaderValueCalls(worker);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(missing.length);
  });

  it('worker stopped: the navigation Chromium sends while the worker starts carries the digests, in one request', async () => {
    const cached = (await cachedUrls(page)).length;
    for (const [pathName, ready, pagePath] of [
      ['/', 'ready: home', '/index.html'],
      ['/about/', 'ready: about', '/about/index.html'],
    ] as const) {
      await stopWorkers();
      const { summary, serverLines } = await visit(pathName, ready);
      expect(serverLines).toHaveLength(1);
      expect(summary).toEqual({ mode: 'stream', digest: cached, pushed: 0, skipped: assetUrls(pagePath).length, bytes: 0, pBits: 16 });
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    }
    expect(await cachedUrls(page)).toHaveLength(cached);
  });
});
