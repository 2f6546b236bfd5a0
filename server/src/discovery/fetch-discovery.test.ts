import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { cacheDigest } from '../fetch/hono-middleware.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { createFetchHandler } from '../fetch/create-fetch-handler.ts';
import { memorySite } from '../fetch/memory-site.ts';
import { FIXTURE_FILES } from '../fetch/test-support/fixture-site.ts';
import { readPushStream } from '../fetch/test-support/read-push-stream.ts';

const ORIGIN = 'https://shop.example';
const HEAD = '<!doctype html><head><link rel="stylesheet" href="/app.css"><script src="/app.js"></script><link rel="preload" as="font" href="/font.woff2" crossorigin></head><body>';

/** A site without a manifest: /posts/* rendered on the fly, /broken failing midway. */
function handler() {
  const assets = memorySite(FIXTURE_FILES);
  return createFetchHandler({
    pages: {},
    assets,
    log: false,
    discover: true,
    site: async (url) => {
      if (url.pathname.startsWith('/posts/')) return new Response(`${HEAD}${url.pathname}</body>`, { headers: { 'content-type': 'text/html; charset=utf-8' } });
      if (url.pathname === '/broken') {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(HEAD));
            setTimeout(() => controller.error(new Error('the app failed midway')), 5);
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/html' } });
      }
      return assets(url);
    },
  });
}

const html = (path: string, headers: Record<string, string> = {}) => new Request(`${ORIGIN}${path}`, { headers: { accept: 'text/html', ...headers } });
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('createFetchHandler with per-response discovery (no manifest)', () => {
  it('the first page passes untouched and teaches the next, which streams what its head loads', async () => {
    const handle = handler();
    const first = await handle(html('/posts/a'));
    expect(first.headers.get('cache-digest-push')).toBeNull();
    expect(await first.text()).toBe(`${HEAD}/posts/a</body>`);
    await settle();
    const second = await handle(html('/posts/a', { 'accept-push-stream': '1' }));
    expect(parseSummaryHeader(second.headers.get('cache-digest-push'))).toMatchObject({ mode: 'stream', pushed: 3 });
    const { parts, fin } = await readPushStream(second);
    expect(fin).toBe(true);
    expect(parts.filter((part) => part.role === 'asset').map((part) => part.url)).toEqual(['/app.css', '/app.js', '/font.woff2']);
    expect(parts.find((part) => part.role === 'page')!.body).toBe(`${HEAD}/posts/a</body>`);
    // Assets themselves are never pages.
    const css = await handle(new Request(`${ORIGIN}/app.css`));
    await css.arrayBuffer();
    await settle();
    expect((await handle(new Request(`${ORIGIN}/app.css`))).headers.get('cache-digest-push')).toBeNull();
  });

  it('a page whose body fails midway teaches nothing', async () => {
    const handle = handler();
    const broken = await handle(html('/broken'));
    await expect(broken.text()).rejects.toThrow();
    await settle();
    const again = await handle(html('/broken'));
    expect(again.headers.get('cache-digest-push')).toBeNull();
    await again.text().catch(() => undefined);
  });
});

describe('the Hono middleware with per-response discovery', () => {
  it('learns a route’s page from its first response and streams its assets on the next', async () => {
    const hono = new Hono();
    hono.use(cacheDigest({ pages: {}, assets: memorySite(FIXTURE_FILES), log: false, discover: true }));
    hono.get('/posts/:slug', (c) => c.html(`${HEAD}${c.req.param('slug')}</body>`));
    const first = await hono.request(`${ORIGIN}/posts/x`, { headers: { accept: 'text/html' } });
    expect(first.headers.get('cache-digest-push')).toBeNull();
    expect(await first.text()).toBe(`${HEAD}x</body>`);
    await settle();
    const second = await hono.request(`${ORIGIN}/posts/x`, { headers: { accept: 'text/html', 'accept-push-stream': '1' } });
    expect(parseSummaryHeader(second.headers.get('cache-digest-push'))).toMatchObject({ mode: 'stream', pushed: 3 });
    const { parts } = await readPushStream(second);
    expect(parts.find((part) => part.role === 'page')!.body).toBe(`${HEAD}x</body>`);
  });
});
