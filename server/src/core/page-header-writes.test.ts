import { describe, expect, it } from 'vitest';
import { CacheDigestCore } from './cache-digest-core.ts';
import { earlyHintLinks, pageHeaderWrites, pushStreamHeaders } from './page-header-writes.ts';
import type { PageAsset } from './types.ts';

const assets: PageAsset[] = [
  { url: '/app.css', as: 'style', type: 'text/css', size: 10, etag: '"a"' },
  { url: '/app.mjs', as: 'script', type: 'text/javascript', size: 20, etag: '"b"', module: true },
];
const core = new CacheDigestCore({ pages: { '/index.html': assets }, log: false });
const request = (headers: Record<string, string>) => ({ method: 'GET', path: '/', authority: 'a.test', scheme: 'https', headers, pushEnabled: false, http2: false });

describe('pageHeaderWrites', () => {
  it('merges with what the response has: Server-Timing appended, Vary merged, Cache-Control private, Links appended', () => {
    const plan = core.plan(request({}), assets);
    const outcome = { pushed: assets, skipped: [] };
    const existing = new Headers({ 'server-timing': 'db;dur=3', vary: 'Accept-Encoding', 'cache-control': 'public, max-age=60', link: '</x.js>; rel=preload; as=script' });
    const writes = Object.fromEntries(pageHeaderWrites(core.pageHeaders(plan, outcome), existing, 200));
    expect(plan.mode).toBe('hints');
    expect(writes).toEqual({
      'cache-digest-push': 'mode=hints; digest=0; pushed=2; skipped=0; bytes=30',
      'server-timing': 'db;dur=3, cache-digest;desc="mode=hints; digest=0; pushed=2; skipped=0; bytes=30"',
      vary: 'Accept-Encoding, cache-digest, accept-push-stream, service-worker-navigation-preload',
      link: '</x.js>; rel=preload; as=script, </app.css>; rel=preload; as=style, </app.mjs>; rel=modulepreload',
    });
    expect(earlyHintLinks(plan, outcome)).toEqual(['</app.css>; rel=preload; as=style', '</app.mjs>; rel=modulepreload']);
    // No digest was used and nothing was pushed: a shared cache may keep the page (it varies on the digest headers).
    expect(writes['cache-control']).toBeUndefined();
  });

  it('gives an error page no Links and a stream the outer head of docs/push-stream.md', () => {
    const plan = core.plan(request({ 'accept-push-stream': '1' }), assets);
    const headers = core.pageHeaders(plan, { pushed: assets, skipped: [] });
    expect(Object.fromEntries(pageHeaderWrites(headers, new Headers(), 503)).link).toBeUndefined();
    expect(pushStreamHeaders(headers, ['/app.css'])).toMatchObject({
      'content-type': 'application/vnd.cache-digest.push-stream; v=1',
      'push-stream-urls': '/app.css',
      'cache-control': 'private, no-store',
      vary: 'cache-digest, accept-push-stream, service-worker-navigation-preload',
    });
  });
});
