// Entry of the bundled Service Worker (`/cache-digest-sw.js`). Its options
// are fixed at build time by the Vite plugin / buildClientFiles.
import { installCacheDigestWorker } from './install-cache-digest-worker.ts';
import type { CacheDigestWorkerOptions } from './options.ts';

declare const self: ServiceWorkerGlobalScope;
declare const __CACHE_DIGEST_WORKER_OPTIONS__: CacheDigestWorkerOptions | undefined;

installCacheDigestWorker(self, typeof __CACHE_DIGEST_WORKER_OPTIONS__ === 'undefined' ? {} : __CACHE_DIGEST_WORKER_OPTIONS__);
