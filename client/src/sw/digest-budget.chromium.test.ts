// The navigation digest's byte budget, in real Chromium: a worker holding
// 3,000 cached entries sends a digest within the default budget, and the real
// cache-digest middleware (stream mode) still skips every asset of the page,
// although those are the least recently used entries: the push stream's
// `push-stream-assets` header told the worker they are the page's current assets.
import { DEFAULT_DIGEST_BUDGET, MIN_USEFUL_P_BITS, parseCacheDigestHeader } from '@cache-digest/shared';
import { cacheDigestMiddleware, parseSummaryHeader, type PageAsset } from '@cache-digest/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCraftedServer, type CraftedServer } from '../../test-support/crafted-server.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedUrls, eventually, waitForController } from '../../test-support/page-helpers.ts';
import { navigationRequestSignals } from './preload-header-value.ts';

const PAGE_ASSETS = 30;
const FILLER = 3000;
const assetPath = (i: number) => `/p/a${i}.js`;
const scriptBody = (i: number) => `window.loaded = (window.loaded || 0) + 1; // ${i}\n`;
const PAGE =
  '<!doctype html><title>budget</title><script src="/cache-digest.js" async></script>' +
  Array.from({ length: PAGE_ASSETS }, (_, i) => `<script src="${assetPath(i)}"></script>`).join('') +
  '<p id=t>page</p>';
const pageAssets: PageAsset[] = Array.from({ length: PAGE_ASSETS }, (_, i) => ({
  url: assetPath(i),
  as: 'script',
  type: 'text/javascript',
  size: scriptBody(i).length,
  etag: `"a${i}"`,
}));

describe('navigation digest within its byte budget, 3,000 cached entries, in Chromium', () => {
  let server: CraftedServer;
  let browser: LaunchedChromium;
  let page: Page;

  const url = (path: string) => server.origin + path;

  /** Navigates to the page; the summary it got and the `cache-digest` value the server received. */
  const visit = async () => {
    const before = server.requests.length;
    const response = await page.goto(url('/'));
    await page.waitForFunction((count) => (window as { loaded?: number }).loaded === count, PAGE_ASSETS);
    const navigation = server.requests.slice(before).find((request) => request.path === '/')!;
    return {
      summary: parseSummaryHeader(response?.headers()['cache-digest-push']),
      digest: navigationRequestSignals(navigation.headers).cacheDigest,
      assetRequests: server.requests.slice(before).filter((request) => request.path.startsWith('/p/')).length,
    };
  };

  /** The fresh digest of the value the registration's navigation preload sends now. */
  const publishedValue = () => page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState().then((state) => state.headerValue));
  const publishedDigest = async () => {
    const value = await publishedValue();
    const digest = value === undefined ? undefined : navigationRequestSignals({ 'service-worker-navigation-preload': value }).cacheDigest;
    if (digest === undefined) return undefined;
    const member = parseCacheDigestHeader(digest)[0];
    return member && { size: member.digest.size, complete: member.complete };
  };

  beforeAll(async () => {
    const middleware = cacheDigestMiddleware({
      pages: { '/index.html': pageAssets },
      mode: 'stream',
      log: false,
      assets: async (asset) => {
        const i = Number(/\d+/.exec(asset.url)![0]);
        const body = new TextEncoder().encode(scriptBody(i));
        return {
          headers: { 'content-type': 'text/javascript', 'content-length': String(body.byteLength), etag: asset.etag, 'cache-control': 'max-age=3600' },
          body,
        };
      },
    });
    server = await startCraftedServer(
      (request, response) => {
        const path = request.url;
        if (path === '/') {
          middleware(request, response, () => {
            response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
            response.end(PAGE);
          });
          return true;
        }
        const asset = /^\/p\/a(\d+)\.js$/.exec(path);
        const filler = /^\/f\/\d+\.txt$/.test(path);
        if (!asset && !filler) return false;
        const body = asset ? scriptBody(Number(asset[1])) : 'f';
        const etag = asset ? `"a${asset[1]}"` : '"f"';
        response.writeHead(200, { 'content-type': asset ? 'text/javascript' : 'text/plain', 'content-length': String(body.length), 'cache-control': 'max-age=3600', etag });
        response.end(body);
        return true;
      },
      { maxEntries: 5000 },
    );
    browser = await launchChromium({ spki: [server.spki] });
    page = await browser.context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('learns the page: installs, caches its assets, and a streamed visit skips all of them', async () => {
    await visit();
    await waitForController(page);
    await eventually(async () => (await cachedUrls(page)).filter((u) => u.includes('/p/')).length === PAGE_ASSETS);
    // The worker publishes its digest to navigation preload shortly after each store: wait for all 30.
    await eventually(async () => (await publishedDigest())?.size === PAGE_ASSETS);
    const second = await visit();
    expect(second.summary).toMatchObject({ mode: 'stream', pushed: 0, skipped: PAGE_ASSETS });
    expect(second.assetRequests).toBe(0);
  }, 60_000);

  it('with 3,000 more recently used entries, the digest stays within the budget and the page assets are still skipped', async () => {
    // Seed through the worker's own storage path: the page fetches 3,000 small cacheable URLs through it.
    await page.evaluate(async (count) => {
      let next = 0;
      const lane = async () => {
        while (next < count) await (await fetch(`/f/${next++}.txt`)).text();
      };
      await Promise.all(Array.from({ length: 32 }, lane));
    }, FILLER);
    // Every entry stored (and indexed right after), then the navigation preload value settled.
    await eventually(async () => (await cachedUrls(page)).length === FILLER + PAGE_ASSETS, 120_000, 2000);
    let previous: string | undefined;
    await eventually(async () => {
      const value = await publishedValue();
      const settled = value === previous;
      previous = value;
      return settled;
    }, 10_000, 300);

    const third = await visit();
    expect(third.digest).toBeDefined();
    expect(third.digest!.length).toBeLessThanOrEqual(DEFAULT_DIGEST_BUDGET);
    const [fresh, ...rest] = parseCacheDigestHeader(third.digest!);
    expect(rest).toEqual([]);
    // Not every entry fits even at the floor P = 2^7: the member does not claim to be complete.
    expect(fresh!.complete).toBe(false);
    expect(fresh!.digest.pBits).toBe(MIN_USEFUL_P_BITS);
    expect(fresh!.digest.size).toBeLessThan(FILLER);
    // The page's assets are the oldest entries, yet all are in the digest: the server skips all of them.
    for (let i = 0; i < PAGE_ASSETS; i++) expect(fresh!.digest.has(url(assetPath(i)))).toBe(true);
    expect(third.summary).toMatchObject({ mode: 'stream', pushed: 0, skipped: PAGE_ASSETS, pBits: MIN_USEFUL_P_BITS });
    expect(third.summary!.overBudget).toBeUndefined();
    expect(third.assetRequests).toBe(0);
    // Generous: about 50 s alone on a busy 2-core machine (Cache API writes, ~60 entries/s), more inside npm test.
  }, 240_000);
});
