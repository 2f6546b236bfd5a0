import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http2 from 'node:http2';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { AddressInfo } from 'node:net';
import { PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import type { DeliveryMode, PageAsset } from '../core/types.ts';
import { createCacheDigestServer, type CacheDigestServer } from './create-cache-digest-server.ts';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './server-limits.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get } from './test-support/test-clients.ts';

// Slow, stalled and idle clients against the real node:http2 server, with limits scaled down to
// fractions of a second so the whole file runs in seconds.
const BIG = 4 * 1024 * 1024;
// headersTimeoutMs also bounds TLS handshakes, which take long on a busy machine: not below 2 s.
const LIMITS: ServerLimits = { streamIdleTimeoutMs: 500, sessionIdleTimeoutMs: 1500, headersTimeoutMs: 2000, maxConcurrentStreams: 64 };

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let site: TestSite;
let outside: string;
let cert: DevCertificate;
let certDir: string;
let pages: Record<string, PageAsset[]>;
const servers: CacheDigestServer[] = [];

async function start(mode: DeliveryMode, lines: string[] = [], limits: ServerLimits = LIMITS): Promise<{ origin: string; instance: CacheDigestServer }> {
  const instance = createCacheDigestServer({ site: site.site, cert: cert.cert, key: cert.key, pages, mode, log: (line) => lines.push(line), statsPath: '/stats', limits });
  servers.push(instance);
  await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
  return { origin: `https://127.0.0.1:${(instance.server.address() as AddressInfo).port}`, instance };
}

beforeAll(async () => {
  site = await createTestSite();
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  cert = await ensureDevCertificate(certDir);
  await writeFile(path.join(site.root, 'assets', 'big.bin'), randomBytes(BIG));
  outside = await mkdtemp(path.join(tmpdir(), 'cache-digest-outside-'));
  await writeFile(path.join(outside, 'out.css'), 'body{}');
  await symlink(path.join(outside, 'out.css'), path.join(site.root, 'assets', 'out.css'));
  const big = (await site.site.resolve('/assets/big.bin'))!;
  const refused = (url: string): PageAsset => ({ url, as: 'style', type: 'text/css', size: 10, etag: '"x"' });
  pages = {
    '/index.html': [
      ...site.pages['/index.html']!,
      { url: '/assets/big.bin', as: 'fetch', type: big.contentType, size: big.size, etag: big.etag },
      // A manifest entry pointing at a dotfile, one leading outside the root, and one that is gone.
      refused('/.secret'),
      refused('/assets/out.css'),
      refused('/assets/gone.css'),
    ],
  };
});

/** Resolves once `condition()` holds (checked every 20 ms), or fails after 10 s. */
async function until(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > 10_000) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterAll(async () => {
  for (const instance of servers) await instance.shutdown(200);
  await site?.remove();
  if (outside) await rm(outside, { recursive: true, force: true });
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

const SENDABLE = ['/assets/app.css', '/assets/legacy.js', '/assets/main.js', '/fonts/x.woff2', '/img/logo.png', '/assets/big.bin'];

describe('accounting: only assets that can be sent count', () => {
  it('push: refused manifest entries are neither promised nor counted in the summary, log and stats', async () => {
    const lines: string[] = [];
    const { origin } = await start('auto', lines);
    const result = await h2Get(origin, '/', { ca: cert.caCert });
    expect(result.status).toBe(200);
    expect(result.pushes.map((push) => push.path).sort()).toEqual([...SENDABLE].sort());
    expect(result.pushes.find((push) => push.path === '/assets/big.bin')!.body.length).toBe(BIG);
    const summary = parseSummaryHeader(String(result.headers['cache-digest-push']))!;
    expect([summary.mode, summary.pushed]).toEqual(['push', SENDABLE.length]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The page's line does not count them; each refused entry is said once, with its reason, on a line of its own.
    const said = (all: string[]) => all.filter((line) => line.startsWith('cache-digest: not pushed: '));
    expect(lines.filter((line) => !said(lines).includes(line)).join('\n')).not.toMatch(/secret|out\.css|gone\.css/);
    expect(said(lines).sort()).toEqual(['/.secret', '/assets/gone.css', '/assets/out.css'].map((url) => expect.stringContaining(`not pushed: ${url} (`)));
    // A second page request logs them no more.
    await h2Get(origin, '/', { ca: cert.caCert });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(said(lines)).toHaveLength(3);
    const stats = JSON.parse((await h2Get(origin, '/stats', { ca: cert.caCert })).body.toString()) as { assetsPushed: number };
    expect(stats.assetsPushed).toBe(2 * SENDABLE.length);
  });

  it('stream: refused entries are not announced, not counted', async () => {
    const { origin } = await start('stream');
    const result = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers: { 'accept-push-stream': '1' } });
        expect(result.headers['content-type']).toBe(PUSH_STREAM_CONTENT_TYPE);
    expect(String(result.headers['push-stream-urls']).split(', ').sort()).toEqual([...SENDABLE].sort());
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))!.pushed).toBe(SENDABLE.length);
    expect(result.body.length).toBeGreaterThan(BIG);
  });
});

describe('slow and stalled clients', () => {
  it('stalled push streams (window 0, never read): a few per connection are served, then reset and freed, the rest refused; a slow reader and a fresh client are served meanwhile', async () => {
    const { origin, instance } = await start('stream');
    gc();
    const before = process.memoryUsage().arrayBuffers;
    // 4 connections x 16 streams that never read: each would hold the 4 MiB asset if writes ignored backpressure.
    const stalled: Promise<number>[] = [];
    const sessions: http2.ClientHttp2Session[] = [];
    for (let c = 0; c < 4; c++) {
      const session = http2.connect(origin, { ca: cert.caCert, settings: { enablePush: false, initialWindowSize: 0 } });
      session.on('error', () => {});
      sessions.push(session);
      for (let s = 0; s < 16; s++) {
        const req = session.request({ ':path': '/', 'accept-push-stream': '1' });
        req.on('error', () => {});
        stalled.push(new Promise((resolve) => req.on('close', () => resolve(req.rstCode))));
      }
    }
    const served = 4 * DEFAULT_SERVER_LIMITS.closedWindowStreams;
    await until(() => instance.live().refusedStreams === 64 - served && instance.live().pushStreams === served);
    const live = instance.live();
    // Only the served streams hold state, and each connection no more than its starting budget (64 KiB).
    expect(live.streams).toBe(served);
    expect(live.bufferedBytes).toBeLessThanOrEqual(4 * 64 * 1024);
    gc();
    const during = process.memoryUsage().arrayBuffers - before;
    // A slow reader (16 KiB window) makes progress, so it is not reset, and gets every byte.
    const slow = h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers: { 'accept-push-stream': '1' } });
    const fresh = await h2Get(origin, '/about/', { ca: cert.caCert });
    expect(fresh.status).toBe(200);
    const codes = await Promise.all(stalled);
    expect(codes.filter((code) => code === http2.constants.NGHTTP2_CANCEL)).toHaveLength(served);
    expect(codes.filter((code) => code === http2.constants.NGHTTP2_REFUSED_STREAM)).toHaveLength(64 - served);
    expect((await slow).body.length).toBeGreaterThan(BIG);
    for (const session of sessions) session.destroy();
    // 64 stalled streams buffered less than 4 MiB in all (without backpressure: 64 x 4 MiB).
    expect(during).toBeLessThan(4 * 1024 * 1024);
    await until(() => instance.live().sessions === 0);
    expect(instance.live()).toMatchObject({ streams: 0, pushStreams: 0, bufferedBytes: 0 });
    gc();
    // What is left is the site's cached copy of the 4 MiB asset.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('a closed-window client that goes on opening streams past the limit loses its connection (GOAWAY ENHANCE_YOUR_CALM); others are served', async () => {
    const { origin, instance } = await start('stream');
    const session = http2.connect(origin, { ca: cert.caCert, settings: { enablePush: false, initialWindowSize: 0 } });
    session.on('error', () => {});
    const goaway = new Promise<number>((resolve) => session.on('goaway', (code) => resolve(code)));
    const closed = new Promise((resolve) => session.on('close', resolve));
    for (let s = 0; s < 40; s++) session.request({ ':path': '/', 'accept-push-stream': '1' }).on('error', () => {});
    expect(await goaway).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    await closed;
    const limit = DEFAULT_SERVER_LIMITS.closedWindowStreams;
    expect(instance.live().refusedStreams).toBeGreaterThan(4 * limit);
    await until(() => instance.live().sessions === 0);
    expect(instance.live()).toMatchObject({ streams: 0, pushStreams: 0, bufferedBytes: 0 });
    expect((await h2Get(origin, '/about/', { ca: cert.caCert })).status).toBe(200);
  });

  it('never-reading clients with a one-frame window: not refused, but each connection buffers only its starting budget, grown by what it took', async () => {
    const { origin, instance } = await start('stream');
    const sessions: http2.ClientHttp2Session[] = [];
    const closed: Promise<unknown>[] = [];
    for (let c = 0; c < 2; c++) {
      const session = http2.connect(origin, { ca: cert.caCert, settings: { enablePush: false, initialWindowSize: 16 * 1024 } });
      session.on('error', () => {});
      sessions.push(session);
      for (let s = 0; s < 12; s++) {
        const req = session.request({ ':path': '/', 'accept-push-stream': '1' });
        req.on('error', () => {});
        req.pause(); // never read: the client's windows fill and stay full
        closed.push(new Promise((resolve) => req.on('close', resolve)));
      }
    }
    await until(() => instance.live().pushStreams === 24);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const live = instance.live();
    expect(live.refusedStreams).toBe(0);
    // Each connection took at most its 64 KiB connection window: budget 64 KiB + 64 KiB, and a slice over it.
    // (Without the starting budget: up to 512 KiB per connection.)
    expect(live.bufferedBytes).toBeGreaterThan(0);
    expect(live.bufferedBytes).toBeLessThanOrEqual(2 * (128 + 16) * 1024);
    for (const session of sessions) session.destroy();
    await Promise.all(closed);
    await until(() => instance.live().sessions === 0);
    expect(instance.live()).toMatchObject({ streams: 0, pushStreams: 0, bufferedBytes: 0 });
  });

  it('stalled pushes are reset too', async () => {
    const { origin } = await start('push');
    const session = http2.connect(origin, { ca: cert.caCert, settings: { enablePush: true, initialWindowSize: 0 } });
    session.on('error', () => {});
    const pushes: Promise<number>[] = [];
    session.on('stream', (pushed) => {
      pushed.on('error', () => {});
      pushes.push(new Promise((resolve) => pushed.on('close', () => resolve(pushed.rstCode))));
    });
    const req = session.request({ ':path': '/' });
    req.on('error', () => {});
    await new Promise((resolve) => req.on('close', resolve));
    expect(pushes.length).toBe(SENDABLE.length);
    expect(new Set(await Promise.all(pushes))).toEqual(new Set([http2.constants.NGHTTP2_CANCEL]));
    session.destroy();
  });

  it('announces maxConcurrentStreams, closes idle sessions, and drops connections whose first header is slow', async () => {
    const { origin } = await start('auto');
    const session = http2.connect(origin, { ca: cert.caCert });
    session.on('error', () => {});
    const closed = new Promise<number>((resolve) => {
      const started = Date.now();
      session.on('close', () => resolve(Date.now() - started));
    });
    await h2Get(origin, '/about/', { ca: cert.caCert, session });
    expect(session.remoteSettings.maxConcurrentStreams).toBe(LIMITS.maxConcurrentStreams);
    expect(await closed).toBeLessThan(LIMITS.sessionIdleTimeoutMs! + 3000);

    const { port } = new URL(origin);
    for (const [alpn, send] of [['h2', ''], ['http/1.1', 'GET / HTTP/1.1\r\nHost: x\r\n']] as const) {
      const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: cert.caCert, servername: 'localhost', ALPNProtocols: [alpn] });
      socket.on('error', () => {});
      socket.resume(); // read, so the server's close is seen
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      if (send) socket.write(send);
      const started = Date.now();
      await new Promise((resolve) => socket.once('close', resolve));
      expect(Date.now() - started, alpn).toBeLessThan(LIMITS.headersTimeoutMs! + 2000);
    }
  });

  it('a never-reading client with a one-frame window keeps at most stalledStreams streams: the rest reset within seconds, new ones refused; a reading client with as many streams is untouched', async () => {
    // Long stream and session timeouts, so every reset here is the stall bound's.
    const { origin, instance } = await start('stream', [], { ...LIMITS, streamIdleTimeoutMs: 30_000, sessionIdleTimeoutMs: 30_000 });
    const bound = DEFAULT_SERVER_LIMITS.stalledStreams;
    const session = http2.connect(origin, { ca: cert.caCert, settings: { enablePush: false, initialWindowSize: 16 * 1024 } });
    session.on('error', () => {});
    const open = (): Promise<number> => {
      const req = session.request({ ':path': '/', 'accept-push-stream': '1' });
      req.on('error', () => {});
      req.pause(); // never read
      return new Promise((resolve) => req.on('close', () => resolve(req.rstCode ?? -1)));
    };
    const first = Array.from({ length: 30 }, open);
    // A reader on its own connection with 10 push streams of 4 MiB at once: output held on every one, all moving.
    const reader = http2.connect(origin, { ca: cert.caCert, settings: { enablePush: false } });
    reader.on('error', () => {});
    reader.setMaxListeners(20);
    const read = await Promise.all(Array.from({ length: 10 }, () => h2Get(origin, '/', { ca: cert.caCert, session: reader, enablePush: false, headers: { 'accept-push-stream': '1' } })));
    expect(read.map((result) => [result.status, result.body.length > BIG])).toEqual(Array.from({ length: 10 }, () => [200, true]));
    reader.close();
    // A reset is counted when the server closes the stream; the stream leaves the count at its 'close' event, later.
    await until(() => instance.live().stalledResets === 30 - bound && instance.live().streams === bound && instance.live().pushStreams === bound);
    expect(instance.live()).toMatchObject({ streams: bound, pushStreams: bound, refusedStreams: 0, stalledResets: 30 - bound });
    // While it stalls, the connection gets no new stream (retryable).
    expect(await open()).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
    session.destroy();
    const codes = await Promise.all(first);
    expect(codes.filter((code) => code === http2.constants.NGHTTP2_CANCEL)).toHaveLength(30 - bound);
    await until(() => instance.live().sessions === 0);
    expect(instance.live()).toMatchObject({ streams: 0, pushStreams: 0, bufferedBytes: 0, stalledResets: 30 - bound, refusedStreams: 1 });
  });

  it('HTTP/1.1 keep-alive: an idle connection stays open past the stream timeout and is closed after keepAliveTimeoutMs', async () => {
    const limits = { ...LIMITS, streamIdleTimeoutMs: 500, keepAliveTimeoutMs: 2500 } satisfies ServerLimits;
    const { origin } = await start('auto', [], limits);
    const { port } = new URL(origin);
    const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: cert.caCert, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    const get = async (): Promise<void> => {
      received = '';
      socket.write('GET /about/ HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await until(() => /^HTTP\/1\.1 200/.test(received) && received.includes('</title>'));
    };
    await get();
    const idleFrom = Date.now();
    // Idle for three stream timeouts (what closed it before): still open, and reused.
    await new Promise((resolve) => setTimeout(resolve, 3 * limits.streamIdleTimeoutMs));
    expect(socket.destroyed).toBe(false);
    await get();
    const idleAgain = Date.now();
    const at = await closed;
    expect(at - idleFrom).toBeGreaterThan(3 * limits.streamIdleTimeoutMs);
    expect(at - idleAgain).toBeGreaterThanOrEqual(limits.keepAliveTimeoutMs - 100);
    expect(at - idleAgain).toBeLessThan(limits.keepAliveTimeoutMs + 2000);
  });
});
