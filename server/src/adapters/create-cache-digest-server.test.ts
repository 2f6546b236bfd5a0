import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import https from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  base64urlEncode,
  encodeDigest,
  formatCacheDigestHeader,
  PushStreamReader,
  PUSH_STREAM_CONTENT_TYPE,
  type PushStreamEvent,
} from '@cache-digest/shared';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import type { DeliveryMode } from '../core/types.ts';
import { createCacheDigestServer, type CacheDigestServer } from './create-cache-digest-server.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get, nghttpGet } from './test-support/test-clients.ts';
import { gunzipSync } from 'node:zlib';

let site: TestSite;
let certDir: string;
let cert: DevCertificate;
const servers = new Map<DeliveryMode, { instance: CacheDigestServer; origin: string; lines: string[] }>();
const ALL = ['/assets/app.css', '/assets/legacy.js', '/assets/main.js', '/fonts/x.woff2', '/img/logo.png'];

async function serverFor(mode: DeliveryMode) {
  let entry = servers.get(mode);
  if (!entry) {
    const lines: string[] = [];
    const instance = createCacheDigestServer({
      site: site.site,
      cert: cert.cert,
      key: cert.key,
      pages: site.pages,
      mode,
      log: (line) => lines.push(line),
      statsPath: '/.well-known/cache-digest-stats',
    });
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
    const port = (instance.server.address() as AddressInfo).port;
    entry = { instance, origin: `https://127.0.0.1:${port}`, lines };
    servers.set(mode, entry);
  }
  return entry;
}

/** A Cache-Digest header for this origin: fresh URLs, or URL+ETag with validators. P = 2^16 so no false positive can hide a push. */
function digestHeader(origin: string, entries: { url: string; etag?: string }[], flags: { validators?: boolean; stale?: boolean } = {}) {
  const digest = encodeDigest(
    entries.map((entry) => ({ url: origin + entry.url, ...(flags.validators ? { etag: entry.etag ?? site.assets.get(entry.url)!.etag } : {}) })),
    { pBits: 16, ...(flags.validators ? { validators: true } : {}) },
  );
  return formatCacheDigestHeader([{ digest, complete: true, ...flags }]);
}

const fileBytes = (url: string) => readFile(path.join(site.root, url));

beforeAll(async () => {
  site = await createTestSite();
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  cert = await ensureDevCertificate(certDir);
});

afterAll(async () => {
  for (const { instance } of servers.values()) await instance.shutdown(500);
  await site?.remove();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('node:http2 adapter, HTTP/2 push (Node client accepting push)', () => {
  it('pushes every asset, CSS first, with complete headers, before the page, when the client has nothing', async () => {
    const { origin } = await serverFor('auto');
    const result = await h2Get(origin, '/', { ca: cert.caCert });
    expect(result.status).toBe(200);
    expect(result.body.toString()).toBe(site.pageBody);
    expect(result.pushes.map((push) => push.path)).toEqual(ALL);
    for (const push of result.pushes) {
      const asset = site.assets.get(push.path)!;
      expect(push.headers[':status']).toBe(200);
      expect(push.headers['content-type']).toBe(asset.type);
      expect(push.headers['content-length']).toBe(String(asset.size));
      expect(push.headers['etag']).toBe(asset.etag);
      expect(push.headers['cache-control']).toBeTruthy();
      expect(push.headers['x-http2-push']).toBe('pushed');
      expect(push.body.equals(await fileBytes(push.path))).toBe(true);
    }
    // Every PUSH_PROMISE precedes the page's HEADERS.
    const head = result.events.indexOf('page-head');
    expect(result.events.slice(0, head).filter((event) => event.startsWith('promise:'))).toHaveLength(ALL.length);
    const total = [...site.assets.values()].reduce((sum, asset) => sum + asset.size, 0);
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toEqual({ mode: 'push', digest: 0, pushed: 5, skipped: 0, bytes: total });
    expect(String(result.headers['vary'])).toContain('cache-digest, accept-push-stream');
    expect(String(result.headers['cache-control'])).toMatch(/^private/);
  });

  it('pushes exactly the missing assets for some, all, and validators with a changed ETag', async () => {
    const { origin } = await serverFor('auto');
    const some = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digestHeader(origin, [{ url: '/assets/app.css' }, { url: '/assets/main.js' }]) } });
    expect(some.pushes.map((push) => push.path)).toEqual(['/assets/legacy.js', '/fonts/x.woff2', '/img/logo.png']);
    expect(parseSummaryHeader(String(some.headers['cache-digest-push']))).toMatchObject({ mode: 'push', digest: 2, pushed: 3, skipped: 2 });

    const all = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digestHeader(origin, ALL.map((url) => ({ url }))) } });
    expect(all.pushes).toEqual([]);
    expect(parseSummaryHeader(String(all.headers['cache-digest-push']))).toEqual({ mode: 'push', digest: 5, pushed: 0, skipped: 5, bytes: 0, pBits: 16 });
    expect(all.headers['server-timing']).toBe(`cache-digest;desc="${String(all.headers['cache-digest-push'])}"`);

    const changed = ALL.map((url) => ({ url, etag: url === '/assets/app.css' ? '"changed"' : site.assets.get(url)!.etag }));
    const validators = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digestHeader(origin, changed, { validators: true }) } });
    expect(validators.pushes.map((push) => push.path)).toEqual(['/assets/app.css']);

    // A stale validators digest with current ETags: a 304 would do, so nothing is pushed.
    const stale = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digestHeader(origin, ALL.map((url) => ({ url })), { validators: true, stale: true }) } });
    expect(stale.pushes).toEqual([]);
  });

  it('never pushes the same URL twice on one connection', async () => {
    const { origin } = await serverFor('auto');
    const http2 = await import('node:http2');
    const session = http2.connect(origin, { ca: cert.caCert });
    try {
      const first = await h2Get(origin, '/', { session });
      expect(first.pushes).toHaveLength(5);
      const second = await h2Get(origin, '/about/', { session });
      expect(second.pushes).toEqual([]);
      expect(parseSummaryHeader(String(second.headers['cache-digest-push']))).toMatchObject({ mode: 'push', pushed: 0, skipped: 1 });
    } finally {
      session.close();
    }
  });

  it("stays within the client's SETTINGS_MAX_CONCURRENT_STREAMS and preloads the rest", async () => {
    const { origin } = await serverFor('auto');
    // nghttp, because Node's client takes one push fewer than the limit it announces.
    const result = await nghttpGet(`${origin}/`, { args: ['--max-concurrent-streams=2'] });
    expect(result.pushedPaths).toEqual(ALL.slice(0, 2));
    const links = result.output.split('\n').filter((line) => /recv \(stream_id=\d+\) link:/.test(line)).join('\n');
    for (const url of ALL.slice(2)) expect(links).toContain(`<${url}>`);
    expect(links).not.toContain('/assets/app.css');
  });

  it('pushes nothing to a client that disabled push: 103 Early Hints then preload Links for the missing assets', async () => {
    const { origin } = await serverFor('auto');
    const result = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers: { 'cache-digest': digestHeader(origin, [{ url: '/assets/app.css' }]) } });
    expect(result.pushes).toEqual([]);
    expect(result.informational.map((headers) => headers[':status'])).toEqual([103]);
    const hinted = [result.informational[0]!['link']].flat().join(', ');
    const expected = [
      '</assets/legacy.js>; rel=preload; as=script',
      '</assets/main.js>; rel=modulepreload',
      '</fonts/x.woff2>; rel=preload; as=font; crossorigin',
      '</img/logo.png>; rel=preload; as=image',
    ];
    expect(hinted).toBe(expected.join(', '));
    expect([result.headers['link']].flat().join(', ')).toBe(expected.join(', '));
    expect(result.events.indexOf('103')).toBeLessThan(result.events.indexOf('page-head'));
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', digest: 1, pushed: 4, skipped: 1 });
  });

  it('answers requests for assets normally (no summary header, no pushes)', async () => {
    const { origin } = await serverFor('auto');
    const result = await h2Get(origin, '/assets/app.css', { ca: cert.caCert });
    expect(result.status).toBe(200);
    expect(result.pushes).toEqual([]);
    expect(result.headers['cache-digest-push']).toBeUndefined();
  });
});

describe('node:http2 adapter, push stream', () => {
  it('streams the page and the missing assets, with a 304 part for stale-but-current ones, readable by PushStreamReader', async () => {
    const { origin } = await serverFor('auto');
    const digest = formatCacheDigestHeader([
      { digest: encodeDigest([origin + '/assets/main.js'], { pBits: 16 }), complete: true },
      {
        digest: encodeDigest([{ url: origin + '/assets/app.css', etag: site.assets.get('/assets/app.css')!.etag }], { pBits: 16, validators: true }),
        validators: true,
        stale: true,
      },
    ]);
    const result = await h2Get(origin, '/', {
      ca: cert.caCert,
      enablePush: false,
      headers: { 'cache-digest': digest, 'accept-push-stream': '1', 'accept-encoding': 'gzip, br' },
    });
    expect(result.pushes).toEqual([]);
    expect(result.headers['content-type']).toBe(PUSH_STREAM_CONTENT_TYPE);
    expect(result.headers['cache-control']).toBe('private, no-store');
    expect(result.headers['push-stream-urls']).toBe('/assets/app.css, /assets/legacy.js, /fonts/x.woff2, /img/logo.png');
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'stream', digest: 2, pushed: 3, skipped: 2 });
    expect(result.headers['server-timing']).toBe(`cache-digest;desc="${String(result.headers['cache-digest-push'])}"`);
    // gzip as a whole (the client accepts it; docs/push-stream.md, Compression).
    expect(result.headers['content-encoding']).toBe('gzip');
    const body = gunzipSync(result.body);

    const reader = new PushStreamReader();
    const events: PushStreamEvent[] = [];
    // Feed it in small chunks, as a worker would see the body arrive.
    for (let offset = 0; offset < body.length; offset += 100) events.push(...reader.push(body.subarray(offset, offset + 100)));
    events.push(...reader.close());
    const heads = events.filter((event) => event.type === 'head');
    expect(heads.map((event) => `${event.role}:${event.url}:${event.status}`).sort()).toEqual(
      ['page:/:200', 'asset:/assets/app.css:304', 'asset:/assets/legacy.js:200', 'asset:/fonts/x.woff2:200', 'asset:/img/logo.png:200'].sort(),
    );
    const bodies = new Map<number, Buffer[]>();
    for (const event of events) if (event.type === 'data') bodies.set(event.part, [...(bodies.get(event.part) ?? []), Buffer.from(event.bytes)]);
    for (const head of heads) {
      const body = Buffer.concat(bodies.get(head.part) ?? []);
      if (head.role === 'page') {
        // Identity-encoded even though the request accepted gzip: a worker cannot decode a part.
        expect(head.headers['content-encoding']).toBeUndefined();
        expect(body.toString()).toBe(site.pageBody);
      }
      else if (head.status === 304) {
        expect(body.length).toBe(0);
        expect(head.headers['etag']).toBe(site.assets.get(head.url)!.etag);
      } else {
        expect(body.equals(await fileBytes(head.url))).toBe(true);
        expect(head.headers['content-length']).toBe(String(body.length));
        expect(head.headers['etag']).toBe(site.assets.get(head.url)!.etag);
      }
    }
    expect(events.filter((event) => event.type === 'end').every((event) => event.ok)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'fin', parts: 5 });
  });

  it('answers the page part with the full page, not 304/206, whatever validators or range the navigation carried', async () => {
    const { origin } = await serverFor('auto');
    const file = (await site.site.resolve('/index.html'))!;
    const conditional = {
      'if-none-match': file.etag,
      'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString(),
      range: 'bytes=0-9',
    };
    // Without a stream the same headers do give a 304: the stream mode is what ignores them.
    const plain = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers: conditional });
    expect(plain.status).toBe(304);

    const result = await h2Get(origin, '/', {
      ca: cert.caCert,
      enablePush: false,
      headers: { ...conditional, 'accept-push-stream': '1', 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe(PUSH_STREAM_CONTENT_TYPE);
    // The stream as a whole is gzip (the client accepts it); the page part inside stays identity.
    expect(result.headers['content-encoding']).toBe('gzip');
    const reader = new PushStreamReader();
    const events = [...reader.push(gunzipSync(result.body)), ...reader.close()];
    const page = events.find((event) => event.type === 'head' && event.role === 'page');
    expect(page).toMatchObject({ status: 200, url: '/' });
    if (page?.type !== 'head') throw new Error('no page part');
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.headers['etag']).toBe(file.etag);
    expect(page.headers['content-range']).toBeUndefined();
    const body = Buffer.concat(events.flatMap((event) => (event.type === 'data' && event.part === page.part ? [Buffer.from(event.bytes)] : [])));
    expect(body.toString()).toBe(site.pageBody);
    // No asset part is encoded either.
    for (const event of events) if (event.type === 'head') expect(event.headers['content-encoding']).toBeUndefined();
    expect(events.at(-1)).toEqual({ type: 'fin', parts: 6 });
  });

  it('sends no push stream to a client that did not ask for one', async () => {
    const { origin } = await serverFor('stream');
    const result = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false });
    expect(result.headers['content-type']).toMatch(/^text\/html/);
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))!.mode).toBe('hints');
  });
});

describe('node:http2 adapter, nghttp', () => {
  it('nghttp -nv receives PUSH_PROMISEs for exactly the missing assets; --no-push gets none', async () => {
    const { origin } = await serverFor('auto');
    const none = await nghttpGet(`${origin}/`);
    expect(none.code).toBe(0);
    expect(none.pushedPaths).toEqual(ALL);
    // nghttp sends :authority as host:port, like Node: the same digest keys.
    const some = await nghttpGet(`${origin}/`, { headers: { 'cache-digest': digestHeader(origin, [{ url: '/fonts/x.woff2' }, { url: '/img/logo.png' }]) } });
    expect(some.pushedPaths).toEqual(['/assets/app.css', '/assets/legacy.js', '/assets/main.js']);
    const disabled = await nghttpGet(`${origin}/`, { noPush: true });
    expect(disabled.code).toBe(0);
    expect(disabled.pushedPaths).toEqual([]);
    expect(disabled.output).toMatch(/:status: 103/);
    expect(disabled.output).toMatch(/cache-digest-push: mode=hints; digest=0; pushed=5; skipped=0/);
  });
});

describe('node:http2 adapter, HTTP/1.1 fallback', () => {
  it('serves HTTP/1.1 clients with preload Links and no 103', async () => {
    const { origin } = await serverFor('auto');
    const informational: number[] = [];
    const response = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = https.request(`${origin}/`, { ca: cert.caCert, headers: { 'cache-digest': digestHeader(origin, [{ url: '/assets/app.css' }]) } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('information', (info) => informational.push(info.statusCode));
      req.on('error', reject);
      req.end();
    });
    expect(response.status).toBe(200);
    expect(response.body).toBe(site.pageBody);
    expect(informational).toEqual([]);
    expect(String(response.headers['link'])).toContain('</assets/legacy.js>; rel=preload; as=script');
    expect(String(response.headers['link'])).not.toContain('app.css');
    expect(parseSummaryHeader(String(response.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', digest: 1, pushed: 4, skipped: 1 });
  });
});

describe('node:http2 adapter, links and off modes', () => {
  it('links mode writes filtered Links with nopush on held assets, and pushes nothing itself', async () => {
    const { origin } = await serverFor('links');
    const result = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digestHeader(origin, [{ url: '/assets/app.css' }]) } });
    expect(result.pushes).toEqual([]);
    expect(result.informational).toEqual([]);
    const links = [result.headers['link']].flat().join(', ');
    expect(links).toContain('</assets/app.css>; rel=preload; as=style; nopush');
    expect(links).toContain('</assets/main.js>; rel=preload; as=script; crossorigin');
    expect(links).toContain('</img/logo.png>; rel=preload; as=image');
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', pushed: 4, skipped: 1 });
  });

  it('off mode: no pushes, no Links, mode=none', async () => {
    const { origin } = await serverFor('off');
    const result = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digestHeader(origin, [{ url: '/assets/app.css' }]) } });
    expect(result.pushes).toEqual([]);
    expect(result.headers['link']).toBeUndefined();
    expect(result.headers['cache-digest-push']).toBe('mode=none; digest=0; pushed=0; skipped=0; bytes=0');
    expect(result.body.toString()).toBe(site.pageBody);
  });
});

describe('node:http2 adapter, hostile digests', () => {
  it('fuzzed, malformed and oversized digests never change the page nor crash the server; they count as no digest', async () => {
    const { origin, lines } = await serverFor('auto');
    const before = (await h2Get(origin, '/.well-known/cache-digest-stats', { ca: cert.caCert })).body.toString();
    const invalidBefore = JSON.parse(before).invalidDigests as number;
    const printable = fc.string({ unit: fc.constantFrom(...'AZaz09-_;,= .!*'.split('')), maxLength: 200 });
    const values = fc.sample(fc.oneof(printable, fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => `${base64urlEncode(bytes)}; complete`)), { numRuns: 40, seed: 42 });
    // Over the 2,048-character digest bound (unread), and within the 16 KiB header list bound.
    values.push('A'.repeat(10_000), '_'.repeat(1000), 'AfdA; complete, ' + '/'.repeat(10));
    const session = (await import('node:http2')).connect(origin, { ca: cert.caCert, settings: { enablePush: false } });
    try {
      for (const value of values) {
        const result = await h2Get(origin, '/', { session, headers: { 'cache-digest': value } });
        expect(result.status).toBe(200);
        expect(result.body.toString()).toBe(site.pageBody);
        const summary = parseSummaryHeader(String(result.headers['cache-digest-push']))!;
        expect(summary.mode).toBe('hints');
        // A digest that does decode may hold anything; one that does not holds nothing.
        if (summary.digest === 0) expect(summary.pushed).toBe(5);
      }
      // Over SETTINGS_MAX_HEADER_LIST_SIZE (16 KiB): that request is reset unread, the connection goes on.
      await expect(h2Get(origin, '/', { session, headers: { 'cache-digest': 'A'.repeat(40_000) } })).rejects.toThrow(/ENHANCE_YOUR_CALM/);
      expect((await h2Get(origin, '/', { session })).status).toBe(200);
    } finally {
      session.close();
    }
    const after = JSON.parse((await h2Get(origin, '/.well-known/cache-digest-stats', { ca: cert.caCert })).body.toString());
    expect(after.invalidDigests).toBeGreaterThan(invalidBefore);
    expect(lines.some((line) => line.includes('invalid digest ignored'))).toBe(true);
    // Still serving.
    expect((await h2Get(origin, '/', { ca: cert.caCert })).status).toBe(200);
  });
});
