import { defaultCacheControl } from '../static/cache-control.ts';
import { immutablePaths, type ImmutablePathsOptions } from '../static/immutable-paths.ts';
import type { AssetSource } from './asset-source.ts';

/**
 * Wraps a source whose files carry no useful Cache-Control (Cloudflare
 * Workers Assets answers `max-age=0, must-revalidate` to everything) with
 * the Node static site's defaults, so that the Service Worker keeps assets
 * fresh and its digest says so: a content-hashed file gets `public,
 * max-age=31536000, immutable`, any other non-HTML file `public,
 * max-age=3600`. Content-hashed means: in `options.listed` (the push
 * manifest's `immutable` list) when given, else a name that looks hashed
 * (`app-3f2a9c1b.js`, `app-DdorVCpF.js`); `options.globs` add more. HTML and
 * non-200 responses pass unchanged.
 */
export function staticCacheControl(source: AssetSource, options: ImmutablePathsOptions = {}): AssetSource {
  const isImmutable = immutablePaths(options);
  return async (url, request) => {
    const response = await source(url, request);
    if (!response || response.status !== 200 || response.headers.get('content-type')?.startsWith('text/html')) return response;
    const headers = new Headers(response.headers);
    headers.set('cache-control', isImmutable(url.pathname) ? defaultCacheControl.hashed : defaultCacheControl.other);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
