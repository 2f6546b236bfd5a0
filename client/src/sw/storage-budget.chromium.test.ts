// The cache-digest worker's storage budget (least-recently-used eviction)
// and the rebuild of its index after IndexedDB is wiped, in real Chromium
// against a crafted HTTP/2 server on loopback that records every request.
import { base64urlEncode, encodeDigest, parseCacheDigestHeader } from '@cache-digest/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCraftedServer, type CraftedServer } from '../../test-support/crafted-server.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedUrls, eventually, waitForController } from '../../test-support/page-helpers.ts';
import { navigationRequestSignals, preloadHeaderValue } from './preload-header-value.ts';
import { controlServiceWorkers, type ServiceWorkerControl } from '../../test-support/service-worker-control.ts';

/** Asset bodies by path: four of 200 bytes and one of 700, against a budget of 3 entries and 1,000 bytes. */
const ASSETS: Record<string, string> = {
  '/a.txt': 'a'.repeat(200),
  '/b.txt': 'b'.repeat(200),
  '/c.txt': 'c'.repeat(200),
  '/d.txt': 'd'.repeat(200),
  '/big.txt': 'B'.repeat(700),
};
const BUDGET = { maxEntries: 3, maxBytes: 1000 };
const DB_NAME = 'cache-digest';
const INSTALL_PAGE = '<!doctype html><script src="/cache-digest.js" async></script><h1>install</h1>';
const PAGE = '<!doctype html><h1 id=t>page</h1>';

describe('cache-digest worker storage budget and index rebuild, in Chromium', () => {
  let server: CraftedServer;
  let browser: LaunchedChromium;
  let page: Page;
  let workers: ServiceWorkerControl;

  const url = (path: string) => server.origin + path;
  const urls = (paths: readonly string[]) => paths.map(url).sort();

  /** Loads `path` from the page (through the worker) and returns its body. */
  const load = (path: string) => page.evaluate(async (target) => (await fetch(target)).text(), path);

  /** Loads a path the worker does not hold yet and waits until it is stored. */
  const loadAndStore = async (path: string) => {
    expect(await load(path)).toBe(ASSETS[path]);
    await eventually(async () => (await cachedUrls(page)).includes(url(path)));
    // Distinct `lastUsed` milliseconds, so the least-recently-used order is unambiguous.
    await new Promise((resolve) => setTimeout(resolve, 20));
  };

  /** The digest header of exactly `paths`, as the worker sends it (a few entries fit its byte budget at the ceiling P = 2^16). */
  const digestHeaderOf = (paths: readonly string[]) => `${base64urlEncode(encodeDigest(paths.map(url), { pBits: 16 }))}; complete`;

  /** The value the registration's navigation preload sends now. */
  const publishedPreloadValue = () =>
    page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState().then((state) => state.headerValue));

  /**
   * Waits until the worker has published the digest of `expected` paths to
   * navigation preload (it does so shortly after each change), navigates to
   * the plain page and returns the `cache-digest` value the server received.
   */
  const navigate = async (expected: readonly string[]): Promise<string> => {
    await eventually(async () => (await publishedPreloadValue()) === preloadHeaderValue(digestHeaderOf(expected)));
    const before = server.requests.length;
    await page.goto(url('/page'));
    expect(await page.textContent('#t')).toBe('page');
    const navigations = server.requests.slice(before).filter((request) => request.path === '/page');
    expect(navigations).toHaveLength(1);
    const signals = navigationRequestSignals(navigations[0]!.headers);
    expect(signals.acceptPushStream).toBe('1');
    return signals.cacheDigest!;
  };

  /** Asserts a header is one complete fresh digest of exactly `paths`. */
  const expectDigestOf = (header: string, paths: readonly string[]) => {
    const members = parseCacheDigestHeader(header);
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ complete: true, stale: false, validators: false });
    expect(members[0]!.value).toBe(base64urlEncode(encodeDigest(paths.map(url), { pBits: 16 })));
    for (const path of Object.keys(ASSETS)) expect(members[0]!.digest.has(url(path))).toBe(paths.includes(path));
  };

  /** The URLs of the index records in IndexedDB, or null when the database holds no index. */
  const indexedUrls = () =>
    page.evaluate(async (name) => {
      if (!(await indexedDB.databases()).some((database) => database.name === name)) return null;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        if (!db.objectStoreNames.contains('entries')) return null;
        const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
          const request = db.transaction('entries').objectStore('entries').getAllKeys();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        return keys.map(String).sort();
      } finally {
        db.close();
      }
    }, DB_NAME);

  beforeAll(async () => {
    server = await startCraftedServer((request, response) => {
      const path = request.url;
      if (path === '/install' || path === '/page') {
        response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
        response.end(path === '/install' ? INSTALL_PAGE : PAGE);
        return;
      }
      const body = ASSETS[path];
      if (body === undefined) return false;
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length), 'cache-control': 'max-age=600', etag: `"${path.slice(1)}-1"` });
      response.end(body);
      return true;
    }, BUDGET);
    browser = await launchChromium({ spki: [server.spki] });
    page = await browser.context.newPage();
    workers = await controlServiceWorkers(browser.context, page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('installs the worker', async () => {
    await page.goto(url('/install'));
    await waitForController(page);
    expect(await cachedUrls(page)).toEqual([]);
  });

  it('keeps at most maxEntries, evicting the least recently used entry from the cache, IndexedDB and the next digest', async () => {
    for (const path of ['/a.txt', '/b.txt', '/c.txt']) await loadAndStore(path);
    expect(await cachedUrls(page)).toEqual(urls(['/a.txt', '/b.txt', '/c.txt']));
    expectDigestOf(await navigate(['/a.txt', '/b.txt', '/c.txt']), ['/a.txt', '/b.txt', '/c.txt']);

    // A use of /a.txt makes /b.txt the least recently used.
    expect(await load('/a.txt')).toBe(ASSETS['/a.txt']);
    await new Promise((resolve) => setTimeout(resolve, 20));

    await loadAndStore('/d.txt');
    await eventually(async () => (await cachedUrls(page)).length === BUDGET.maxEntries);
    expect(await cachedUrls(page)).toEqual(urls(['/a.txt', '/c.txt', '/d.txt']));
    expectDigestOf(await navigate(['/a.txt', '/c.txt', '/d.txt']), ['/a.txt', '/c.txt', '/d.txt']);
    await eventually(async () => JSON.stringify(await indexedUrls()) === JSON.stringify(urls(['/a.txt', '/c.txt', '/d.txt'])));

    // The evicted entry still loads (through the browser's HTTP cache or the network); storing it
    // again evicts the now least recently used /c.txt.
    expect(await load('/b.txt')).toBe(ASSETS['/b.txt']);
    await eventually(async () => (await cachedUrls(page)).includes(url('/b.txt')) && (await cachedUrls(page)).length === BUDGET.maxEntries);
    expect(await cachedUrls(page)).toEqual(urls(['/a.txt', '/b.txt', '/d.txt']));
    expectDigestOf(await navigate(['/a.txt', '/b.txt', '/d.txt']), ['/a.txt', '/b.txt', '/d.txt']);
  });

  it('keeps at most maxBytes, evicting as many least recently used entries as it takes', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    // 3 x 200 bytes held; 700 more exceed 1,000 bytes: /a.txt and /d.txt (the two oldest) go, /b.txt stays.
    await loadAndStore('/big.txt');
    await eventually(async () => (await cachedUrls(page)).length === 2);
    expect(await cachedUrls(page)).toEqual(urls(['/b.txt', '/big.txt']));
    expectDigestOf(await navigate(['/b.txt', '/big.txt']), ['/b.txt', '/big.txt']);
  });

  it('rebuilds the index from the Cache API after IndexedDB is wiped', async () => {
    const held = ['/b.txt', '/big.txt'];
    await eventually(async () => JSON.stringify(await indexedUrls()) === JSON.stringify(urls(held)));

    // Wipe the database from the page; the worker's open connection must not block the deletion for good.
    await page.evaluate(
      (name) =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.deleteDatabase(name);
          request.onsuccess = () => resolve();
          request.onerror = () => reject(request.error);
          // Blocked: a connection stayed open through its versionchange event (the deletion would wait for the worker to stop).
          request.onblocked = () => reject(new Error('deleteDatabase blocked by an open connection'));
        }),
      DB_NAME,
    );
    expect(await indexedUrls()).toBeNull();

    // The running worker still answers from its index in memory.
    expectDigestOf(await navigate(held), held);

    // A restarted worker finds no index: it rebuilds it from the cache, writes it back and
    // republishes its digests to navigation preload (erased here, so only the rebuilt index can restore them).
    await page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.setHeaderValue('true'));
    await workers.stopAll();
    // A subresource starts the worker (a navigation would carry the erased preload value).
    expect(await load('/b.txt')).toBe(ASSETS['/b.txt']);
    await workers.waitRunning();
    expectDigestOf(await navigate(held), held);
    await eventually(async () => JSON.stringify(await indexedUrls()) === JSON.stringify(urls(held)));
    expect(await cachedUrls(page)).toEqual(urls(held));
  });
});
