import { SKIP_WAITING_MESSAGE, WARM_MESSAGE } from '../paths.ts';
import { CacheDigestWorker } from './cache-digest-worker.ts';
import { NavigationPreloadPublisher } from './navigation-preload-publisher.ts';
import { resolveWorkerOptions, type CacheDigestWorkerOptions } from './options.ts';
import { preloadHeaderValue } from './preload-header-value.ts';
import { isPreloadUnusable, rememberPreloadUnusable } from './preload-unusable.ts';

/**
 * Makes `scope` (the worker's global) a cache-digest Service Worker: takes
 * over at once on update (skipWaiting + clientsClaim; with `activation:
 * 'on-message'`, when a page posts SKIP_WAITING_MESSAGE), deletes the caches of
 * older versions, answers fetches, and caches what a first-visit page loaded
 * when the loader reports it. Navigation preload is turned on, its header
 * value kept equal to the current digests, so that a navigation reaching a
 * stopped worker (which the browser sends while the worker starts) still
 * carries them. Returns the worker for further wiring.
 */
export function installCacheDigestWorker(scope: ServiceWorkerGlobalScope, options: CacheDigestWorkerOptions = {}): CacheDigestWorker {
  const resolved = resolveWorkerOptions(options);
  // Named as workbox-core names its runtime cache (`<prefix>-runtime-<suffix>`), so existing caches carry over.
  const worker = new CacheDigestWorker(scope.registration.scope, `${resolved.cacheNamePrefix}-runtime-${resolved.cacheVersion}`, resolved);
  const preloadManager = scope.registration.navigationPreload as NavigationPreloadManager | undefined;
  const publisher =
    preloadManager &&
    new NavigationPreloadPublisher(preloadManager, async () => {
      const snapshot = await worker.digest();
      return { value: preloadHeaderValue(snapshot.header), changesAt: snapshot.changesAt };
    });
  // Without navigation preload the worker sends the digests on its own request, as before.
  const preloadScope = scope.registration.scope;
  // Read once per start, before the first fetch event needs it.
  const preloadOff = publisher ? isPreloadUnusable(resolved.cacheNamePrefix, preloadScope) : Promise.resolve(false);
  /** True until this worker (started, maybe, by a navigation) has seen its first fetch event. */
  let firstEvent = true;
  const enablePreload = async () => {
    if (!publisher) return;
    // Off for good in this browser build: make sure, so the next start never gets a preload either.
    if (await isPreloadUnusable(resolved.cacheNamePrefix, preloadScope)) return void (await preloadManager.disable().catch(() => undefined));
    await publisher.enable().catch(() => undefined);
  };
  if (publisher) {
    worker.onPreloadUnusable(async () => {
      await rememberPreloadUnusable(resolved.cacheNamePrefix, preloadScope);
      await preloadManager.disable().catch(() => undefined);
    });
    worker.onIndexChange(() => publisher.schedule());
    worker.cache.beforeDelete = () => publisher.publishNow();
    // A restarted worker republishes: entries may have turned stale while it was stopped.
    if (scope.registration.active) void worker.ready().then(enablePreload);
  }

  scope.addEventListener('install', (event) => {
    // With `on-message`, a new version waits for a page's go-ahead (the first one activates at once anyway).
    if (resolved.activation === 'immediate') event.waitUntil(scope.skipWaiting());
    worker.routes.addTo(event);
  });
  scope.addEventListener('activate', (event) => {
    // Take control of open pages at once (what workbox-core's clientsClaim does).
    event.waitUntil(Promise.all([scope.clients.claim(), worker.deleteOldCaches(resolved.cacheNamePrefix), worker.ready().then(enablePreload)]));
  });
  scope.addEventListener('fetch', (event) => {
    // WebKit, waking a stopped worker with preload off, sends the navigation to the network itself and hands that
    // load to `fetch(event.request)`: taking it keeps the visit to one page request (see preload-unusable.ts).
    const wokeWorker = firstEvent && event.request.mode === 'navigate';
    firstEvent = false;
    const response = worker.handleFetch(event, wokeWorker ? preloadOff : undefined);
    if (!response) return;
    event.respondWith(response);
    // The header may change with time alone (fresh entries turning stale).
    if (publisher && event.request.mode === 'navigate') event.waitUntil(response.then(() => publisher.schedule(), () => undefined));
  });
  scope.addEventListener('message', (event) => {
    const data: unknown = event.data;
    const type = typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined;
    if (type === SKIP_WAITING_MESSAGE) return void event.waitUntil(scope.skipWaiting());
    if (type !== WARM_MESSAGE) return;
    const urls = (data as { urls?: unknown }).urls;
    if (Array.isArray(urls)) event.waitUntil(worker.warm(urls).catch(() => undefined));
  });
  return worker;
}
