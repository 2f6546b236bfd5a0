// The Service Worker of the Workbox stream test site: an ordinary Workbox
// worker (CacheFirst for same-origin subresources, NetworkFirst for
// navigations) with CacheDigestPlugin at full strength, as its README shows:
// push streams stored into the asset cache, navigation preload carrying the digests.
import { clientsClaim } from 'workbox-core';
import { registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkFirst } from 'workbox-strategies';
import { CacheDigestPlugin } from '../src/workbox/cache-digest-plugin.ts';

declare const self: ServiceWorkerGlobalScope;

// Cache names the test reads back (workbox-stream.chromium.test.ts).
const ASSET_CACHE = 'site-assets';
const PAGE_CACHE = 'site-pages';

void self.skipWaiting();
clientsClaim();

const digests = new CacheDigestPlugin({ streamCacheName: ASSET_CACHE });
digests.enableNavigationPreload();
registerRoute(
  ({ request, sameOrigin }) => sameOrigin && request.mode !== 'navigate',
  new CacheFirst({ cacheName: ASSET_CACHE, plugins: [digests] }),
);
registerRoute(({ request }) => request.mode === 'navigate', new NetworkFirst({ cacheName: PAGE_CACHE, plugins: [digests] }));
