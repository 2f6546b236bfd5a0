// The fixture app's Service Worker, built by vite-plugin-pwa
// (`strategies: 'injectManifest'`): Workbox precaching of the build output
// plus CacheDigestPlugin at full strength, exactly as client/src/workbox/README.md shows.
import { clientsClaim } from 'workbox-core';
import { addPlugins, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkFirst } from 'workbox-strategies';
import { CacheDigestPlugin } from '@cache-digest/client';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (PrecacheEntry | string)[] };
void self.skipWaiting();
clientsClaim();

const digests = new CacheDigestPlugin({ streamCacheName: 'assets' });
digests.enableNavigationPreload();
addPlugins([digests]);
precacheAndRoute(self.__WB_MANIFEST);
registerRoute(
  ({ request, sameOrigin }) => sameOrigin && request.mode !== 'navigate',
  new CacheFirst({ cacheName: 'assets', plugins: [digests] }),
);
registerRoute(({ request }) => request.mode === 'navigate', new NetworkFirst({ cacheName: 'pages', plugins: [digests] }));
