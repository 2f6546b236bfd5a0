import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import http2 from 'node:http2';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { encodeDigest, formatCacheDigestHeader, PushStreamReader, type PushStreamEvent } from '@cache-digest/shared';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import type { DeliveryMode } from '../core/types.ts';
import { cacheDigestMiddleware } from './cache-digest-middleware.ts';
import type { NodeRequest, NodeResponse } from './node-types.ts';
import { staticSiteAssetReader, type AssetReader } from './asset-reader.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get } from './test-support/test-clients.ts';

const SLOW_MS = 300;
let site: TestSite;
let certDir: string;
let cert: DevCertificate;
const closers: (() => Promise<void>)[] = [];

/** An application that takes SLOW_MS to build its page, behind the middleware. */
function slowApp(status = 200) {
  return (req: NodeRequest, res: NodeResponse) => {
    setTimeout(() => {
      res.setHeader('set-by-app', 'yes');
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=60' });
      (res as http.ServerResponse).write('<!doctype html><p>slow ');
      res.end('page</p>\n');
    }, SLOW_MS);
  };
}

async function h2Server(mode: DeliveryMode, status = 200) {
  const middleware = cacheDigestMiddleware({ pages: site.pages, assets: site.site, mode, log: false });
  const app = slowApp(status);
  const server = http2.createSecureServer({ cert: cert.cert, key: cert.key, allowHTTP1: true }, (req, res) => middleware(req, res, () => app(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => sessions.add(session));
  closers.push(async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readStream(body: Buffer): PushStreamEvent[] {
  const reader = new PushStreamReader();
  const events: PushStreamEvent[] = [];
  for (let offset = 0; offset < body.length; offset += 64) events.push(...reader.push(body.subarray(offset, offset + 64)));
  return [...events, ...reader.close()];
}

beforeAll(async () => {
  site = await createTestSite();
  // Warm the site's caches, so that "before the page" depends on the delivery starting early, not on disk speed.
  for (const asset of site.assets.values()) await site.site.read((await site.site.resolve(asset.url))!);
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  cert = await ensureDevCertificate(certDir);
});

afterAll(async () => {
  for (const close of closers) await close();
  await site?.remove();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('cacheDigestMiddleware in front of a slow application (300 ms)', () => {
  it('push: every pushed response has arrived before the page head', async () => {
    const origin = await h2Server('auto');
    const result = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': formatCacheDigestHeader([{ digest: encodeDigest([origin + '/img/logo.png'], { pBits: 16 }) }]) } });
    expect(result.body.toString()).toBe('<!doctype html><p>slow page</p>\n');
    expect(result.pushes.map((push) => push.path)).toEqual(['/assets/app.css', '/assets/legacy.js', '/assets/main.js', '/fonts/x.woff2']);
    const head = result.events.indexOf('page-head');
    for (const push of result.pushes) expect(result.events.indexOf(`push-end:${push.path}`)).toBeLessThan(head);
    expect(result.headers['set-by-app']).toBe('yes');
    // The application's public Cache-Control became private: this response depends on the client's digest.
    expect(result.headers['cache-control']).toBe('private, max-age=60');
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'push', digest: 1, pushed: 4, skipped: 1 });
  });

  it('hints: the 103 arrives before the page head, and the page carries the same Links', async () => {
    const origin = await h2Server('auto');
    const result = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false });
    expect(result.informational).toHaveLength(1);
    expect(result.events.indexOf('103')).toBeLessThan(result.events.indexOf('page-head'));
    expect([result.informational[0]!['link']].flat()).toEqual([result.headers['link']].flat());
    expect([result.headers['link']].flat().join(', ').match(/rel=/g)).toHaveLength(5);
  });

  it('stream: every asset part is complete before the page part starts', async () => {
    const origin = await h2Server('auto');
    const result = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers: { 'accept-push-stream': '1' } });
    const events = readStream(result.body);
    const pageHead = events.findIndex((event) => event.type === 'head' && event.role === 'page');
    const assetEnds = events.filter((event) => event.type === 'end' && event.part !== 0);
    expect(assetEnds).toHaveLength(5);
    for (const end of assetEnds) expect(events.indexOf(end)).toBeLessThan(pageHead);
    const page = events[pageHead] as Extract<PushStreamEvent, { type: 'head' }>;
    expect(page.status).toBe(200);
    expect(page.headers['set-by-app']).toBe('yes');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const pageBody = Buffer.concat(events.filter((e): e is Extract<PushStreamEvent, { type: 'data' }> => e.type === 'data' && e.part === page.part).map((e) => e.bytes));
    expect(pageBody.toString()).toBe('<!doctype html><p>slow page</p>\n');
    expect(events.at(-1)).toEqual({ type: 'fin', parts: 6 });
  });

  it('an error page gets no preload Links', async () => {
    const origin = await h2Server('hints', 404);
    const result = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false });
    expect(result.status).toBe(404);
    expect(result.headers['link']).toBeUndefined();
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', pushed: 0 });
  });
});

describe('cacheDigestMiddleware on node:http (HTTP/1.1, connect-style)', () => {
  it('streams over HTTP/1.1 chunked encoding, and passes non-page requests through', async () => {
    const middleware = cacheDigestMiddleware({ pages: site.pages, assets: site.site, mode: 'auto', log: false });
    const app = slowApp();
    let passedThrough = 0;
    const server = http.createServer((req, res) =>
      middleware(req, res, () => {
        if (req.url === '/other') {
          passedThrough++;
          res.end('other');
        } else app(req, res);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = (path: string, headers: Record<string, string>) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http.get(`${origin}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
    // The digest key uses the http scheme and Host of this request.
    const digest = formatCacheDigestHeader([{ digest: encodeDigest([origin + '/assets/app.css'], { pBits: 16 }) }]);
    const streamed = await get('/', { 'accept-push-stream': '1', 'cache-digest': digest });
    expect(streamed.headers['push-stream-urls']).toBe('/assets/legacy.js, /assets/main.js, /fonts/x.woff2, /img/logo.png');
    const events = readStream(streamed.body);
    expect(events.filter((event) => event.type === 'end').every((event) => event.ok)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'fin', parts: 5 });
    const other = await get('/other', {});
    expect(other.body.toString()).toBe('other');
    expect(other.headers['cache-digest-push']).toBeUndefined();
    expect(passedThrough).toBe(1);
  });
});

describe('cacheDigestMiddleware, stream mode: what the page part and asset parts never carry', () => {
  it('hides encoding, validators and range from the application, and voids an asset part a reader returns encoded', async () => {
    const plain = staticSiteAssetReader(site.site);
    // A custom reader that (wrongly) hands over a gzip body for one asset.
    const read: AssetReader = async (asset) => {
      const response = await plain(asset);
      if (!response || asset.url !== '/assets/app.css') return response;
      const body = zlib.gzipSync(response.body);
      return { headers: { ...response.headers, 'content-encoding': 'gzip', 'content-length': String(body.length) }, body };
    };
    const middleware = cacheDigestMiddleware({ pages: site.pages, assets: read, mode: 'stream', log: false });
    const seen: Record<string, string | string[] | undefined>[] = [];
    const server = http.createServer((req, res) =>
      middleware(req, res, () => {
        seen.push({ ...req.headers });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><p>page</p>\n');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { outer, body } = await new Promise<{ outer: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const headers = {
        'accept-push-stream': '1',
        'accept-encoding': 'gzip, deflate, br, zstd',
        'if-none-match': '"abc"',
        'if-modified-since': new Date().toUTCString(),
        'if-match': '*',
        'if-unmodified-since': new Date(0).toUTCString(),
        'if-range': '"abc"',
        range: 'bytes=0-1',
        'x-kept': 'yes',
      };
      http.get(`${origin}/`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ outer: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    // The stream as a whole is gzip (the client accepts it); the application saw no Accept-Encoding.
    expect(outer['content-encoding']).toBe('gzip');
    expect(seen).toHaveLength(1);
    for (const name of ['accept-encoding', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range']) expect(seen[0]![name], name).toBeUndefined();
    expect(seen[0]!['x-kept']).toBe('yes');
    expect(seen[0]!['accept-push-stream']).toBe('1');

    const events = readStream(zlib.gunzipSync(body));
    const heads = events.filter((event): event is Extract<PushStreamEvent, { type: 'head' }> => event.type === 'head');
    const css = heads.find((head) => head.url === '/assets/app.css')!;
    expect(events).toContainEqual({ type: 'abort', part: css.part, reason: 'content-encoding' });
    expect(events.some((event) => event.type === 'data' && event.part === css.part)).toBe(false);
    for (const head of heads) expect(head.headers['content-encoding']).toBeUndefined();
    const ends = events.filter((event) => event.type === 'end');
    expect(ends).toHaveLength(5);
    expect(ends.every((event) => event.ok)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'fin', parts: 6 });
  });
});
