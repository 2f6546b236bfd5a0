// @cache-digest/client: the Service Worker's building blocks, for sites that
// write their own worker or already run Workbox. The Vite plugin and the
// build helpers are in '@cache-digest/client/vite'.
export { installCacheDigestWorker } from './sw/install-cache-digest-worker.ts';
export { CacheDigestWorker, type KeepAlive } from './sw/cache-digest-worker.ts';
export { PersistentDigestIndex, type PersistentDigestIndexOptions } from './sw/persistent-digest-index.ts';
export { NavigationIntake } from './sw/navigation-intake.ts';
export { HttpCacheStrategy, type ResponseTimes } from './sw/http-cache-strategy.ts';
export { DEFAULT_WORKER_OPTIONS, resolveWorkerOptions, type CacheDigestWorkerOptions, type ResolvedWorkerOptions } from './sw/options.ts';
export { DigestIndex, type DigestSnapshot, type StorageBudget } from './sw/digest-index.ts';
export { createIndexEntry, isIndexEntry, type IndexEntry } from './sw/index-entry.ts';
export { cachePolicy, parseCacheControl, type CachePolicy } from './sw/freshness.ts';
export { receivePushStream, type PushStreamSink, type ReceiveLimits } from './sw/receive-push-stream.ts';
export { CacheDigestPlugin, type CacheDigestWorkboxOptions } from './workbox/cache-digest-plugin.ts';
export type { WorkboxStreamLimits } from './workbox/workbox-stream-intake.ts';
export { LOADER_PATH, WORKER_PATH, WARM_MESSAGE, SKIP_WAITING_MESSAGE } from './paths.ts';
export { NavigationPreloadPublisher, type PreloadManager, type PublishedValue } from './sw/navigation-preload-publisher.ts';
export { preloadHeaderValue, navigationRequestSignals, NAVIGATION_PRELOAD_HEADER } from './sw/preload-header-value.ts';
