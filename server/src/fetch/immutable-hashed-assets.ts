import { defaultCacheControl, isContentHashedName } from '../static/cache-control.ts';
import type { AssetSource } from './asset-source.ts';

/**
 * Wraps a source whose files carry no long-lived Cache-Control (Cloudflare
 * Workers Assets answers `max-age=0, must-revalidate`): a 200 for a
 * content-hashed file name (`app-3f2a9c1b.js`, Vite's `index-D-y3x_9q.js`)
 * gets `public, max-age=31536000, immutable`, as the Node static site does,
 * so that the Service Worker keeps it fresh and its digest says so. Other
 * responses pass unchanged.
 */
export function immutableHashedAssets(source: AssetSource): AssetSource {
  return async (url, request) => {
    const response = await source(url, request);
    if (!response || response.status !== 200) return response;
    const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
    if (!isContentHashedName(name)) return response;
    const headers = new Headers(response.headers);
    headers.set('cache-control', defaultCacheControl.hashed);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
