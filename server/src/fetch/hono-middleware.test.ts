import { encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { TOO_EARLY_RESPONSE } from '../core/too-early.ts';
import { cacheDigest } from './hono-middleware.ts';
import { memorySite } from './memory-site.ts';
import { FIXTURE_ASSETS, FIXTURE_FILES } from './test-support/fixture-site.ts';
import { readPushStream } from './test-support/read-push-stream.ts';

const ORIGIN = 'https://shop.example';
const PAGE = '<!doctype html><p>from a Hono route</p>';

function app(mode: 'auto' | 'hints' = 'auto') {
  const seen: Headers[] = [];
  const hono = new Hono();
  hono.use(cacheDigest({ pages: { '/index.html': FIXTURE_ASSETS, '/broken/index.html': FIXTURE_ASSETS }, mode, assets: memorySite(FIXTURE_FILES), log: false }));
  hono.get('/', (c) => {
    seen.push(c.req.raw.headers);
    c.header('cache-control', 'public, max-age=60');
    c.header('set-cookie', 'session=1');
    return c.html(PAGE);
  });
  hono.get('/api', (c) => c.json({ ok: true }));
  hono.get('/broken/', (c) => c.text('nope', 500));
  return { hono, seen };
}

const digest = formatCacheDigestHeader([{ digest: encodeDigest([`${ORIGIN}/app.js`], { pBits: 16 }), complete: true }]);

describe('cacheDigest (Hono middleware)', () => {
  it('turns a route’s page into a push stream of the assets the digest lacks, without validators reaching the route', async () => {
    const { hono, seen } = app();
    const response = await hono.request(`${ORIGIN}/`, { headers: { 'accept-push-stream': '1', 'cache-digest': digest, 'if-none-match': '"x"', 'accept-encoding': 'gzip' } });
    expect(response.headers.get('content-type')).toMatch(/push-stream/);
    // The page's own headers stay in its part, not on the outer response.
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('set-cookie')).toBeNull();
    // Asked with gzip: the stream comes gzip-encoded (an HTTP client decodes it; here the test does).
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const { parts, fin } = await readPushStream(new Response(response.body!.pipeThrough(new DecompressionStream('gzip'))));
    expect(fin).toBe(true);
    expect(parts.map((part) => part.url)).toEqual(expect.arrayContaining(['/', '/app.css', '/font.woff2']));
    expect(parts.filter((part) => part.role === 'asset').map((part) => part.url)).toEqual(['/app.css', '/font.woff2']);
    expect(parts.find((part) => part.role === 'page')).toMatchObject({ status: 200, body: PAGE, outcome: 'end' });
    expect(seen[0]!.get('if-none-match')).toBeNull();
    expect(seen[0]!.get('accept-encoding')).toBeNull();
  });

  it('adds Links, Vary, private Cache-Control and the summary in hints mode; error pages get no Links; other routes pass through', async () => {
    const { hono } = app('hints');
    const response = await hono.request(`${ORIGIN}/`, { headers: { 'cache-digest': digest } });
    expect(await response.text()).toBe(PAGE);
    expect(response.headers.get('link')).toBe('</app.css>; rel=preload; as=style, </font.woff2>; rel=preload; as=font; crossorigin');
    expect(response.headers.get('cache-control')).toBe('private, max-age=60');
    expect(response.headers.get('set-cookie')).toBe('session=1');
    expect(response.headers.get('vary')).toBe('cache-digest, accept-push-stream, service-worker-navigation-preload');
    expect(parseSummaryHeader(response.headers.get('cache-digest-push'))).toEqual({ mode: 'hints', digest: 1, pushed: 2, skipped: 1, bytes: FIXTURE_ASSETS[0]!.size + FIXTURE_ASSETS[2]!.size, pBits: 16 });
    const broken = await hono.request(`${ORIGIN}/broken/`);
    expect(broken.status).toBe(500);
    expect(broken.headers.get('link')).toBeNull();
    expect(parseSummaryHeader(broken.headers.get('cache-digest-push'))).toMatchObject({ mode: 'hints', pushed: 0 });
    const api = await hono.request(`${ORIGIN}/api`);
    expect(await api.json()).toEqual({ ok: true });
    expect(api.headers.get('cache-digest-push')).toBeNull();
  });

  it('answers 425 to an unsafe request from TLS early data before any route runs; safe ones pass', async () => {
    const { hono } = app();
    let orders = 0;
    hono.post('/order', (c) => {
      orders += 1;
      return c.json({ ok: true });
    });
    const refused = await hono.request(`${ORIGIN}/order`, { method: 'POST', body: 'x=1', headers: { 'early-data': '1' } });
    expect(refused.status).toBe(425);
    expect(orders).toBe(0);
    expect((await hono.request(`${ORIGIN}/order`, { method: 'POST', body: 'x=1' })).status).toBe(200);
    expect(orders).toBe(1);
    const page = await hono.request(`${ORIGIN}/`, { headers: { 'early-data': '1' } });
    expect(page.status).toBe(200);
    expect(parseSummaryHeader(page.headers.get('cache-digest-push'))).not.toBeNull();
  });

  it('the 425 is the shared answer and keeps the headers earlier middleware set with c.header()', async () => {
    const hono = new Hono();
    hono.use(async (c, next) => {
      c.header('x-request-id', 'r1');
      await next();
    });
    hono.use(cacheDigest({ pages: { '/index.html': FIXTURE_ASSETS }, assets: memorySite(FIXTURE_FILES), log: false }));
    hono.put('/order', (c) => c.json({ ok: true }));
    const refused = await hono.request(`${ORIGIN}/order`, { method: 'PUT', headers: { 'early-data': '1' } });
    expect(refused.status).toBe(425);
    expect(await refused.text()).toBe(TOO_EARLY_RESPONSE.body);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.headers.get('content-type')).toBe(TOO_EARLY_RESPONSE.headers['content-type']);
    expect(refused.headers.get('x-request-id')).toBe('r1');
  });
});
