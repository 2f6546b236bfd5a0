import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDigestMiddleware } from '../adapters/cache-digest-middleware.ts';
import { createTestSite, type TestSite } from '../adapters/test-support/test-site.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { DiscoveredPages } from './discovered-pages.ts';
import { headReferences } from './head-references.ts';

const HEAD = `<!doctype html><html><head>
<base href="/">
<link rel="stylesheet" href="assets/app.css">
<link rel="icon" href="/img/logo.png">
<script src="/assets/legacy.js"></script>
<script type="module" src="/assets/main.js"></script>
<script src="https://cdn.example/lib.js"></script>
<link rel="stylesheet" href="/.secret">
</head><body><p>`;
const BIG = `<!doctype html><html><head><link rel="stylesheet" href="/assets/app.css"></head><body>${'x'.repeat(3 * 1024 * 1024)}<img src="/img/logo.png"></body></html>`;

describe('headReferences', () => {
  it('lists what the start of a page loads, resolved, same-origin only, once each; a tag cut at the end is ignored', () => {
    expect(headReferences(HEAD, '/posts/1').map((ref) => ref.url)).toEqual(['/assets/app.css', '/img/logo.png', '/assets/legacy.js', '/assets/main.js', '/.secret']);
    expect(headReferences('<img src="/a.png"><img src="/b.png"><img src="/a.png"><img src="/c', '/')).toEqual([
      { url: '/a.png', as: 'image', module: false, crossorigin: false },
      { url: '/b.png', as: 'image', module: false, crossorigin: false },
    ]);
    expect(headReferences('<p>no head, no tags worth anything', '/')).toEqual([]);
    expect(headReferences('<link rel=stylesheet href="//evil.example/x.css"><img src="data:image/png;base64,AA">', '/')).toEqual([]);
    expect(headReferences(Array.from({ length: 100 }, (_, i) => `<img src="/i${i}.png">`).join(''), '/', 3)).toHaveLength(3);
  });
});

describe('DiscoveredPages', () => {
  it('is bounded, least recently used out first, and keeps the array of an unchanged list', () => {
    const pages = new DiscoveredPages({ maxPages: 2 });
    const list = [{ url: '/a.css', as: 'style', type: 'text/css', size: 1, etag: '"a"' }];
    pages.set('/1', list);
    pages.set('/2', []);
    pages.get('/1');
    pages.set('/3', []);
    expect(pages.size).toBe(2);
    expect(pages.get('/2')).toBeUndefined();
    pages.set('/1', [{ ...list[0]! }]);
    expect(pages.get('/1')).toBe(list);
  });
});

describe('cacheDigestMiddleware with per-response discovery (no manifest)', () => {
  let site: TestSite;
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    site = await createTestSite();
    const middleware = cacheDigestMiddleware({ pages: {}, assets: site.site, log: false, discover: { maxPages: 16 } });
    server = http.createServer((req, res) => {
      middleware(req, res, () => {
        const path = req.url ?? '/';
        res.setHeader('content-type', path === '/api' ? 'application/json' : 'text/html; charset=utf-8');
        if (path === '/api') return void res.end('{"html":"<link rel=stylesheet href=/assets/app.css>"}');
        if (path === '/big') return void res.end(BIG);
        if (path === '/nohead') return void res.end('<img src="/img/logo.png"><p>just a body');
        if (path === '/broken') {
          res.write(HEAD);
          setTimeout(() => res.destroy(), 10);
          return;
        }
        res.write(HEAD);
        res.end(`${path}</p></body></html>`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await site?.remove();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path, headers: { host: 'site.example', accept: 'text/html', ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          // A response cut midway (the application failed) ends the request with 'aborted'.
          res.on('error', () => resolve({ status: -1, headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on('error', (error) => resolve({ status: 0, headers: {}, body: Buffer.from(String(error)) }));
    });
  // Learning completes after the response (the assets are described asynchronously).
  const learned = async (path: string) => {
    for (let i = 0; i < 50; i++) {
      const response = await get(path);
      if (response.headers['cache-digest-push']) return response;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${path} was never learned`);
  };

  it('the first response passes untouched and teaches the next: what the head loads and the site serves is delivered', async () => {
    const first = await get('/posts/1');
    expect(first.headers['cache-digest-push']).toBeUndefined();
    expect(first.body.toString()).toBe(`${HEAD}/posts/1</p></body></html>`);
    const hinted = await learned('/posts/1');
    expect(parseSummaryHeader(hinted.headers['cache-digest-push'] as string)).toMatchObject({ mode: 'hints', pushed: 4 });
    // Cross-origin and refused (dotfile) references are not there.
    expect(String(hinted.headers['link'])).not.toMatch(/cdn\.example|\.secret/);
    expect(hinted.body.toString()).toBe(`${HEAD}/posts/1</p></body></html>`);

    const digest = formatCacheDigestHeader([{ digest: encodeDigest(['http://site.example/assets/app.css'], { pBits: 7 }), complete: true }]);
    const streamed = await get('/posts/1', { 'accept-push-stream': '1', 'cache-digest': digest });
    expect(parseSummaryHeader(streamed.headers['cache-digest-push'] as string)).toMatchObject({ mode: 'stream', digest: 1, pushed: 3, skipped: 1 });
    expect(String(streamed.headers['push-stream-urls']).split(', ').sort()).toEqual(['/assets/legacy.js', '/assets/main.js', '/img/logo.png']);
  });

  it('HTML with no head, a 3 MB page (only its start is read, the page intact), a JSON response, a response that fails midway', async () => {
    const hinted = await learned('/nohead');
    expect(String(hinted.headers['link'])).toBe('</img/logo.png>; rel=preload; as=image');

    const big = await get('/big');
    expect(big.body.equals(Buffer.from(BIG))).toBe(true);
    const bigAgain = await learned('/big');
    expect(bigAgain.body.equals(Buffer.from(BIG))).toBe(true);
    // The image past the first 64 KiB is not read.
    expect(String(bigAgain.headers['link'])).toBe('</assets/app.css>; rel=preload; as=style');

    await get('/api');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await get('/api')).headers['cache-digest-push']).toBeUndefined();

    const broken = await get('/broken');
    expect(broken.status).toBe(-1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await get('/broken');
    // Nothing was remembered from the failed response: this one is still a first one.
    expect(after.headers['cache-digest-push']).toBeUndefined();
  });
});
