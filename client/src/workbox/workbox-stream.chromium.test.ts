// CacheDigestPlugin at full strength inside an ordinary Workbox worker
// (workbox-routing + workbox-strategies), in real Chromium, against the real
// cache-digest server in stream mode: navigations carry the digests (through
// navigation preload), push streams land in the site's own asset cache, and a
// repeat visit takes every asset from the caches.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkerScript } from '../../test-support/bundle-worker-script.ts';
import type { LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedText, cachedUrls, waitForController } from '../../test-support/page-helpers.ts';
import { controlServiceWorkers } from '../../test-support/service-worker-control.ts';
import { openWorkboxSite, type WorkboxSiteSession } from '../../test-support/workbox-site-session.ts';
import { navigationRequestSignals } from '../sw/preload-header-value.ts';
import { parseCacheDigestHeader } from '@cache-digest/shared';

const WORKER_ENTRY = fileURLToPath(new URL('../../test-support/workbox-stream-site-worker.ts', import.meta.url));
const ASSET_CACHE = 'site-assets';
const ASSET_PATHS = ['/app.js', '/logo.svg', '/style.css'];
const SITE: Record<string, string> = {
  'index.html':
    '<!doctype html><html><head><meta charset="utf-8"><title>Workbox stream site</title>' +
    '<link rel="stylesheet" href="/style.css"><script src="/app.js" defer></script></head>' +
    '<body><h1 id="title">Workbox site</h1><img id="logo" src="/logo.svg" alt=""><p id="status">loading</p>' +
    "<script>navigator.serviceWorker.register('/sw.js');</script></body></html>",
  'style.css': 'h1 { color: rgb(10, 20, 30); }\n',
  'app.js': "document.getElementById('status').textContent = 'ready';\n",
  'logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="3" height="2"/>\n',
};

describe('CacheDigestPlugin with push streams and navigation preload, in Chromium', () => {
  let root: string;
  let site: WorkboxSiteSession;
  let browser: LaunchedChromium;
  let origin: string;
  let network: string[];
  const visit = () => site.visit();

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cache-digest-workbox-stream-'));
    for (const [file, text] of Object.entries(SITE)) await writeFile(path.join(root, file), text);
    await writeFile(path.join(root, 'sw.js'), await bundleWorkerScript(WORKER_ENTRY));
    site = await openWorkboxSite(root);
    ({ browser, origin, network } = site);
  }, 120_000);

  afterAll(async () => {
    await site?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const rendered = (page: Page) =>
    page.evaluate(() => ({
      colour: getComputedStyle(document.getElementById('title')!).color,
      logo: (document.getElementById('logo') as HTMLImageElement).naturalWidth,
    }));

  it('first visit installs the worker and turns navigation preload on', async () => {
    const { page } = await visit();
    await waitForController(page);
    await expect
      .poll(() => page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState()), { timeout: 20_000 })
      .toEqual({ enabled: true, headerValue: 'accept-push-stream=1; cache-digest=AcA; complete' });
    await page.close();
  });

  it('second visit: one push stream (mode=stream) carries the page and every asset into the site cache; no asset crosses the network', async () => {
    const { page, summary } = await visit();
    expect(summary).toMatchObject({ mode: 'stream', digest: 0, pushed: ASSET_PATHS.length });
    expect(await rendered(page)).toEqual({ colour: 'rgb(10, 20, 30)', logo: 3 });
    expect(network).toEqual(['sw /']);
    await expect.poll(() => cachedUrls(page, ASSET_CACHE), { timeout: 20_000 }).toEqual(ASSET_PATHS.map((asset) => origin + asset));
    for (const asset of ASSET_PATHS) expect(await cachedText(page, origin + asset)).toBe(SITE[asset.slice(1)]);
    // The stream itself is never cached as the page.
    expect(await page.evaluate(async () => (await caches.match('/', { ignoreVary: true }))?.headers.get('push-stream-urls') ?? null)).toBeNull();
    // The plugin republishes navigation preload's value once the index changed.
    await expect
      .poll(() => page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState().then((state) => state.headerValue)), { timeout: 20_000 })
      .not.toBe('accept-push-stream=1; cache-digest=AcA; complete');
    await page.close();
  });

  it('repeat visit: the digest holds every asset, the server sends none, and every asset comes from the caches', async () => {
    const { page: second, summary } = await visit();
    expect(summary).toEqual({ mode: 'stream', digest: ASSET_PATHS.length, pushed: 0, skipped: ASSET_PATHS.length, bytes: 0, pBits: 16 });
    expect(network).toEqual(['sw /']);
    expect(await rendered(second)).toEqual({ colour: 'rgb(10, 20, 30)', logo: 3 });
    await second.close();
  });

  it('precached entries count as held: a restarted worker that lost its index rebuilds it from every cache, precache included', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    // What workbox-precaching leaves: a revisioned cache key, no Cache-Control; and the plugin's IndexedDB gone.
    await page.evaluate(async (url) => {
      const precache = await caches.open(`workbox-precache-v2-${location.origin}/`);
      await precache.put(`${url}?__WB_REVISION__=1`, new Response('precached', { headers: { 'content-type': 'text/javascript' } }));
      await new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase('cache-digest-workbox');
        request.onsuccess = resolve;
        request.onerror = reject;
      });
    }, `${origin}/precached.js`);
    const workers = await controlServiceWorkers(browser.context, page);
    await workers.stopAll();
    await page.goto(`${origin}/`);
    const digestOf = async () => {
      const { headerValue } = await page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState());
      return parseCacheDigestHeader(navigationRequestSignals({ 'service-worker-navigation-preload': headerValue }).cacheDigest);
    };
    await expect.poll(async () => (await digestOf())[0]?.digest.size, { timeout: 20_000 }).toBe(ASSET_PATHS.length + 1);
    const [fresh] = await digestOf();
    expect(fresh!.digest.has(`${origin}/precached.js`)).toBe(true);
    for (const asset of ASSET_PATHS) expect(fresh!.digest.has(origin + asset)).toBe(true);
    await page.close();
  });

  it('a deploy that versions a script by query: the old URL leaves the asset cache and the digest, though the new one differs only by query', async () => {
    const next = await mkdtemp(path.join(tmpdir(), 'cache-digest-workbox-stream-v2-'));
    try {
      for (const [file, text] of Object.entries(SITE)) await writeFile(path.join(next, file), file === 'index.html' ? text.replace('src="/app.js"', 'src="/app.js?v=2"') : text);
      await writeFile(path.join(next, 'sw.js'), await bundleWorkerScript(WORKER_ENTRY));
      await site.deploy(next);
      const { page, summary } = await visit();
      expect(summary).toMatchObject({ mode: 'stream', pushed: 1, skipped: ASSET_PATHS.length - 1 });
      const current = ['/app.js?v=2', '/logo.svg', '/style.css'].map((asset) => origin + asset);
      await expect.poll(async () => (await cachedUrls(page, ASSET_CACHE)).sort(), { timeout: 20_000 }).toEqual(current);
      // Pruning ran once the stream was stored: the digest holds the new URL, the precached one, and not /app.js.
      const held = async () => {
        const { headerValue } = await page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState());
        const [fresh] = parseCacheDigestHeader(navigationRequestSignals({ 'service-worker-navigation-preload': headerValue }).cacheDigest);
        return [`${origin}/app.js`, `${origin}/precached.js`, ...current].filter((url) => fresh!.digest.has(url));
      };
      await expect.poll(held, { timeout: 20_000 }).toEqual([`${origin}/precached.js`, ...current]);
      await page.close();
    } finally {
      await site.deploy(root);
      await rm(next, { recursive: true, force: true });
    }
  });
});
