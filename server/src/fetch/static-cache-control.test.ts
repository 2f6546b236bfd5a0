import { describe, expect, it } from 'vitest';
import { staticCacheControl } from './static-cache-control.ts';

/** A source answering every path with a 200 of the given type and Workers Assets' Cache-Control. */
const source = async (url: URL): Promise<Response> =>
  new Response(url.pathname, {
    headers: { 'content-type': url.pathname.endsWith('.html') ? 'text/html' : 'text/javascript', 'cache-control': 'max-age=0, must-revalidate' },
  });

const cacheControlOf = async (assets: ReturnType<typeof staticCacheControl>, urlPath: string) =>
  (await assets(new URL(urlPath, 'https://site.test/')))!.headers.get('cache-control');

describe('staticCacheControl', () => {
  it('guesses hashed names (digitless base64url hashes too) without a list', async () => {
    const assets = staticCacheControl(source);
    expect(await cacheControlOf(assets, '/assets/escape-html-DdorVCpF.js')).toBe('public, max-age=31536000, immutable');
    expect(await cacheControlOf(assets, '/assets/main-menu.js')).toBe('public, max-age=3600');
    expect(await cacheControlOf(assets, '/index.html')).toBe('max-age=0, must-revalidate');
  });

  it('with the manifest list, serves exactly the listed files and the globs immutable', async () => {
    const assets = staticCacheControl(source, { listed: ['/assets/main-menu.js'], globs: ['/vendor/**'] });
    expect(await cacheControlOf(assets, '/assets/main-menu.js')).toBe('public, max-age=31536000, immutable');
    expect(await cacheControlOf(assets, '/assets/escape-html-DdorVCpF.js')).toBe('public, max-age=3600');
    expect(await cacheControlOf(assets, '/vendor/a/b.js')).toBe('public, max-age=31536000, immutable');
  });
});
