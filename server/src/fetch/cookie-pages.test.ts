import { describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { createFetchHandler } from './create-fetch-handler.ts';
import { memorySite } from './memory-site.ts';
import { FIXTURE_ASSETS, FIXTURE_FILES } from './test-support/fixture-site.ts';
import { readPushStream } from './test-support/read-push-stream.ts';

const ORIGIN = 'https://shop.example';

/** A fetch handler whose /account sets a cookie and whose /posts/:slug route does not. */
function handler() {
  const assets = memorySite(FIXTURE_FILES);
  return createFetchHandler({
    pages: { '/account': FIXTURE_ASSETS },
    routes: { '/posts/:slug': FIXTURE_ASSETS },
    assets,
    log: false,
    site: async (url) => {
      if (url.pathname === '/account') {
        const headers = new Headers({ 'content-type': 'text/html; charset=utf-8', 'x-app': 'kept' });
        headers.append('set-cookie', 'session=abc; HttpOnly; Path=/');
        headers.append('set-cookie', 'theme=dark; Path=/');
        return new Response('<!doctype html><p>account', { headers });
      }
      if (url.pathname.startsWith('/posts/')) return new Response(`<!doctype html><p>${url.pathname}`, { headers: { 'content-type': 'text/html' } });
      return assets(url);
    },
  });
}

const streamRequest = (path: string) => new Request(`${ORIGIN}${path}`, { headers: { 'accept-push-stream': '1' } });

describe('pages that set cookies, through the fetch handler', () => {
  it('first time: the stream carries the assets and a page part marked instead of its Set-Cookie; then the page is answered as itself', async () => {
    const handle = handler();
    const first = await handle(streamRequest('/account'));
    expect(parseSummaryHeader(first.headers.get('cache-digest-push'))).toMatchObject({ mode: 'stream', pushed: 3 });
    expect(first.headers.get('set-cookie')).toBeNull();
    const { parts, fin } = await readPushStream(first);
    expect(fin).toBe(true);
    const page = parts.find((part) => part.role === 'page')!;
    expect(page.headers['cache-digest-set-cookie']).toBe('1');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(parts.filter((part) => part.role === 'asset').map((part) => part.url).sort()).toEqual(['/app.css', '/app.js', '/font.woff2']);

    // Known now: hints, the page's own headers untouched, both cookies intact.
    const second = await handle(streamRequest('/account'));
    expect(parseSummaryHeader(second.headers.get('cache-digest-push'))).toMatchObject({ mode: 'hints', pushed: 3 });
    expect(second.headers.getSetCookie()).toEqual(['session=abc; HttpOnly; Path=/', 'theme=dark; Path=/']);
    expect(second.headers.get('x-app')).toBe('kept');
    expect(second.headers.get('link')).toContain('</app.css>; rel=preload; as=style');
    expect(await second.text()).toBe('<!doctype html><p>account');
  });

  it('learns from a hints response too, and a route without cookies keeps streaming', async () => {
    const handle = handler();
    const plain = await handle(new Request(`${ORIGIN}/account`));
    expect(plain.headers.getSetCookie()).toHaveLength(2);
    const streamed = await handle(streamRequest('/account'));
    expect(parseSummaryHeader(streamed.headers.get('cache-digest-push'))?.mode).toBe('hints');
    for (const slug of ['a', 'b']) {
      const post = await handle(streamRequest(`/posts/${slug}`));
      expect(parseSummaryHeader(post.headers.get('cache-digest-push'))?.mode).toBe('stream');
      await post.arrayBuffer();
    }
  });
});
