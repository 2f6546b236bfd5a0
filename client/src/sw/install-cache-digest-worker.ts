import { cacheNames, clientsClaim, setCacheNameDetails } from 'workbox-core';
import { WARM_MESSAGE } from '../paths.ts';
import { CacheDigestWorker } from './cache-digest-worker.ts';
import { resolveWorkerOptions, type CacheDigestWorkerOptions } from './options.ts';

/**
 * Makes `scope` (the worker's global) a cache-digest Service Worker: takes
 * over at once on update (skipWaiting + clientsClaim), deletes the caches of
 * older versions, answers fetches, and caches what a first-visit page loaded
 * when the loader reports it. Returns the worker for further wiring.
 */
export function installCacheDigestWorker(scope: ServiceWorkerGlobalScope, options: CacheDigestWorkerOptions = {}): CacheDigestWorker {
  const resolved = resolveWorkerOptions(options);
  setCacheNameDetails({ prefix: resolved.cacheNamePrefix, suffix: resolved.cacheVersion });
  const worker = new CacheDigestWorker(scope.registration.scope, cacheNames.runtime, resolved);

  scope.addEventListener('install', (event) => {
    event.waitUntil(scope.skipWaiting());
  });
  clientsClaim();
  scope.addEventListener('activate', (event) => {
    event.waitUntil(Promise.all([worker.deleteOldCaches(resolved.cacheNamePrefix), worker.ready()]));
  });
  scope.addEventListener('fetch', (event) => {
    const response = worker.handleFetch(event);
    if (response) event.respondWith(response);
  });
  scope.addEventListener('message', (event) => {
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== WARM_MESSAGE) return;
    const urls = (data as { urls?: unknown }).urls;
    if (Array.isArray(urls)) event.waitUntil(worker.warm(urls).catch(() => undefined));
  });
  return worker;
}
