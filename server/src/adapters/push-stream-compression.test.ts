import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http2 from 'node:http2';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { PushStreamReader, type PushStreamEvent } from '@cache-digest/shared';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { StaticSite } from '../static/index.ts';
import type { PageAsset } from '../core/types.ts';
import { cacheDigestMiddleware } from './cache-digest-middleware.ts';
import { createCacheDigestServer } from './create-cache-digest-server.ts';
import { StreamPieceCache } from './stream-pieces.ts';
import { acceptsGzip } from '../static/accept-encoding.ts';

const SLOW_MS = 250;
const words = ['const', 'function', 'return', 'value', 'export', 'import', 'module', 'render', 'state', 'props'];
// Text a minifier might leave: repetitive but not trivially so (about 200 KB: several pieces).
const bigJs = Array.from({ length: 9000 }, (_, i) => `${words[i % 10]} ${words[(i * 7) % 10]}${i % 97}=${(i * 2654435761) % 1000};`).join('');
const FILES: Record<string, string | Uint8Array> = {
  'assets/app.js': bigJs,
  'assets/app.css': `body{color:#123}\n${Array.from({ length: 300 }, (_, i) => `.c${i}{margin:${i % 13}px}`).join('\n')}`,
  'img/photo.png': Uint8Array.from({ length: 90_000 }, (_, i) => (i * 2654435761) >>> 24),
  // Many pieces: what a client that never reads would otherwise make the server hold.
  'assets/huge.js': Array.from({ length: 120_000 }, (_, i) => `${words[(i * 7) % 10]}${(i * 2654435761) % 100_003};`).join(''),
};
const PAGE = `<!doctype html><title>t</title>${'<p>hello compressed world</p>\n'.repeat(60)}`;

let root: string;
let certDir: string;
let cert: DevCertificate;
let pages: Record<string, PageAsset[]>;
let site: StaticSite;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'cache-digest-gzip-site-'));
  for (const [name, content] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  site = new StaticSite({ root });
  const list: PageAsset[] = [];
  for (const [url, as] of [['/assets/app.css', 'style'], ['/assets/app.js', 'script'], ['/img/photo.png', 'image']] as const) {
    const file = (await site.resolve(url))!;
    list.push({ url, as, type: file.contentType, size: file.size, etag: file.etag });
  }
  pages = { '/index.html': list };
  const huge = (await site.resolve('/assets/huge.js'))!;
  pages['/huge.html'] = [{ url: '/assets/huge.js', as: 'script', type: huge.contentType, size: huge.size, etag: huge.etag }];
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  cert = await ensureDevCertificate(certDir);
});

afterAll(async () => {
  for (const close of closers) await close();
  if (root) await rm(root, { recursive: true, force: true });
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

/** A server whose page takes SLOW_MS to build; `pageStarts` holds the time the application wrote its first byte. */
async function server(streamCompression?: boolean) {
  const middleware = cacheDigestMiddleware({ pages, assets: site, mode: 'stream', log: false, ...(streamCompression === undefined ? {} : { streamCompression }) });
  const pageStarts: number[] = [];
  const h2 = http2.createSecureServer({ cert: cert.cert, key: cert.key }, (req, res) =>
    middleware(req, res, () =>
      setTimeout(() => {
        pageStarts.push(performance.now());
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.write(PAGE.slice(0, 1000));
        res.end(PAGE.slice(1000));
      }, SLOW_MS),
    ),
  );
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => sessions.add(session));
  closers.push(async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => h2.close(() => resolve()));
  });
  return { origin: `https://127.0.0.1:${(h2.address() as AddressInfo).port}`, pageStarts };
}

/** The raw body (as on the wire) with each chunk's arrival time. */
async function get(origin: string, acceptEncoding?: string) {
  const session = http2.connect(origin, { ca: cert.caCert });
  session.on('error', () => {});
  try {
    const stream = session.request({ ':path': '/', 'accept-push-stream': '1', ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) });
    const chunks: { at: number; bytes: Buffer }[] = [];
    const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
    stream.on('data', (bytes: Buffer) => chunks.push({ at: performance.now(), bytes }));
    await new Promise((resolve) => stream.once('end', resolve));
    return { headers, chunks, body: Buffer.concat(chunks.map((chunk) => chunk.bytes)) };
  } finally {
    session.close();
  }
}

function events(body: Uint8Array): PushStreamEvent[] {
  const reader = new PushStreamReader();
  return [...reader.push(body), ...reader.close()];
}

function bodies(list: PushStreamEvent[]): Map<string, Buffer> {
  const urls = new Map<number, string>();
  const out = new Map<string, Buffer>();
  for (const event of list) {
    if (event.type === 'head') urls.set(event.part, event.url);
    if (event.type === 'data') out.set(urls.get(event.part)!, Buffer.concat([out.get(urls.get(event.part)!) ?? Buffer.alloc(0), event.bytes]));
  }
  return out;
}

describe('compressed push streams (content-encoding: gzip)', () => {
  it('a client accepting gzip gets one gzip member that decodes to exactly the identity stream, far smaller; assets decode before the slow page starts', async () => {
    const { origin, pageStarts } = await server();
    const plain = await get(origin);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(String(plain.headers.vary)).toContain('accept-encoding');
    const zipped = await get(origin, 'gzip, deflate, br');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(String(zipped.headers.vary)).toContain('accept-encoding');
    const decoded = gunzipSync(zipped.body);
    // The same stream (heads, ENDs with length and CRC, FIN), only cut into bigger DATA frames.
    const withoutData = (list: PushStreamEvent[]) => list.filter((event) => event.type !== 'data');
    expect(withoutData(events(decoded))).toEqual(withoutData(events(plain.body)));
    const parts = bodies(events(decoded));
    const plainParts = bodies(events(plain.body));
    expect([...parts.keys()]).toEqual([...plainParts.keys()]);
    for (const [url, bytes] of parts) expect(bytes.equals(plainParts.get(url)!)).toBe(true);
    for (const name of ['assets/app.js', 'assets/app.css', 'img/photo.png']) expect(parts.get(`/${name}`)?.equals(Buffer.from(FILES[name]!))).toBe(true);
    expect(parts.get('/')?.toString()).toBe(PAGE);
    // The PNG (incompressible) travels stored; the text shrinks.
    const textBytes = Buffer.byteLength(FILES['assets/app.js'] as string) + Buffer.byteLength(FILES['assets/app.css'] as string);
    expect(zipped.body.byteLength).toBeLessThan(90_000 + textBytes * 0.35);
    expect(zipped.body.byteLength).toBeGreaterThan(90_000);

    // Each piece decodes as it arrives: what came before the application wrote its page holds every asset, complete.
    const early = Buffer.concat(zipped.chunks.filter((chunk) => chunk.at < pageStarts.at(-1)!).map((chunk) => chunk.bytes));
    const earlyEvents = events(gunzipSync(early, { finishFlush: constants.Z_SYNC_FLUSH }));
    expect(earlyEvents.filter((event) => event.type === 'end').map((event) => event.part).sort()).toEqual([1, 2, 3]);
    expect(earlyEvents.some((event) => event.type === 'head' && event.role === 'page')).toBe(false);

    // A second request reuses the pieces: the same wire bytes.
    const again = await get(origin, 'gzip');
    expect(again.body.equals(zipped.body)).toBe(true);
  });

  it('stays identity when the client refuses gzip, or when streamCompression is false', async () => {
    const { origin } = await server();
    expect((await get(origin, 'gzip;q=0, br')).headers['content-encoding']).toBeUndefined();
    const off = await server(false);
    const result = await get(off.origin, 'gzip');
    expect(result.headers['content-encoding']).toBeUndefined();
    expect(String(result.headers.vary)).not.toContain('accept-encoding');
    expect(bodies(events(result.body)).get('/assets/app.js')?.toString()).toBe(bigJs);
  });
});

describe('compressed push streams and slow clients', () => {
  it('never-reading clients: each connection buffers only its budget (counted in wire bytes), and everything is freed when they go', async () => {
    const instance = createCacheDigestServer({ site, cert: cert.cert, key: cert.key, pages, mode: 'stream', log: false, limits: { streamIdleTimeoutMs: 5000 } });
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
    closers.push(() => instance.shutdown(200));
    const origin = `https://127.0.0.1:${(instance.server.address() as AddressInfo).port}`;
    const sessions: http2.ClientHttp2Session[] = [];
    const closed: Promise<unknown>[] = [];
    for (let c = 0; c < 2; c++) {
      const session = http2.connect(origin, { ca: cert.caCert, settings: { enablePush: false, initialWindowSize: 16 * 1024 } });
      session.on('error', () => {});
      sessions.push(session);
      for (let s = 0; s < 6; s++) {
        const req = session.request({ ':path': '/huge.html', 'accept-push-stream': '1', 'accept-encoding': 'gzip' });
        req.on('error', () => {});
        req.pause();
        closed.push(new Promise((resolve) => req.on('close', resolve)));
      }
    }
    // Until the streams are under way (the first one compresses the asset, once), then a while for buffers to fill.
    for (const started = Date.now(); (instance.live().pushStreams < 12 || instance.live().bufferedBytes === 0) && Date.now() - started < 20_000; ) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const live = instance.live();
    expect(live.pushStreams).toBe(12);
    // 12 streams of a 1.7 MB asset (about 0.5 MB gzipped each): the budget (64 KiB + what was taken, at most the 64 KiB
    // connection window) plus one piece over it, per connection.
    expect(live.bufferedBytes).toBeGreaterThan(0);
    expect(live.bufferedBytes).toBeLessThanOrEqual(2 * (128 + 64) * 1024);
    for (const session of sessions) session.destroy();
    await Promise.all(closed);
    for (const started = Date.now(); instance.live().sessions > 0 && Date.now() - started < 10_000; ) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(instance.live()).toMatchObject({ streams: 0, pushStreams: 0, bufferedBytes: 0 });
  });
});

describe('StreamPieceCache', () => {
  it('compresses a file version once, however many requests read it, and again only for a new version', async () => {
    const cache = new StreamPieceCache();
    const body = new TextEncoder().encode(bigJs);
    const headers = { 'content-type': 'text/javascript', etag: '"v1"' };
    const [a, b] = await Promise.all([cache.pieces('/a.js', headers, body), cache.pieces('/a.js', headers, body)]);
    const c = await cache.pieces('/a.js', headers, body.slice());
    expect(cache.compressions).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a.length).toBe(Math.ceil(body.byteLength / (64 * 1024)));
    await cache.pieces('/a.js', { ...headers, etag: '"v2"' }, body);
    expect(cache.compressions).toBe(2);
    // An image is not deflated: its pieces go stored.
    const png = await cache.pieces('/p.png', { 'content-type': 'image/png', etag: '"p"' }, new Uint8Array(1000));
    expect(png.every((piece) => piece.deflated === undefined)).toBe(true);
  });

  it('stays within its byte bound', async () => {
    const cache = new StreamPieceCache(40_000);
    const body = new TextEncoder().encode(bigJs);
    for (let i = 0; i < 5; i++) await cache.pieces('/a.js', { 'content-type': 'text/javascript', etag: `"${i}"` }, body);
    await cache.pieces('/a.js', { 'content-type': 'text/javascript', etag: '"0"' }, body);
    // Version 0 was evicted to make room: compressed again.
    expect(cache.compressions).toBe(6);
  });
});

describe('acceptsGzip', () => {
  it('reads q-values, x-gzip and *', () => {
    for (const yes of ['gzip', 'gzip, deflate, br, zstd', 'br;q=1, gzip;q=0.1', 'x-gzip', '*', 'identity, *;q=0.5', ['br', 'gzip']]) expect(acceptsGzip(yes), String(yes)).toBe(true);
    for (const no of [undefined, '', 'identity', 'br', 'gzip;q=0', '*, gzip;q=0', 'br, *;q=0', `gzip${' '.repeat(5000)}`]) expect(acceptsGzip(no), String(no)).toBe(false);
  });
});
