import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http2 from 'node:http2';
import { mkdtemp, mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { contentEtag, encodeDigest, formatCacheDigestHeader, PushStreamReader, type PushStreamEvent } from '@cache-digest/shared';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { StaticSite } from '../static/index.ts';
import type { PageAsset } from '../core/types.ts';
import { cacheDigestMiddleware, type CacheDigestMiddlewareOptions } from './cache-digest-middleware.ts';

// Small hashed modules as a bundler leaves them: a deploy changes one constant in each.
const module = (name: string, version: number) =>
  Array.from({ length: 14 }, (_, i) => `export function ${name}${i}(value){return value.map((item)=>item.${name}*${i + 1}).join(",")+"${name}${i}";}`).join('\n') +
  `\nexport const version=${JSON.stringify(`v${version}`)};\n`;
const V1: Record<string, string> = {
  'assets/format-AAAAAAA1.js': module('format', 1),
  'assets/main-BBBBBBB1.js': module('main', 1),
  'assets/app-CCCCCCC1.css': `body{color:#123}\n${'.x{margin:0}\n'.repeat(40)}`,
};
const V2: Record<string, string> = {
  'assets/format-AAAAAAA2.js': module('format', 2),
  'assets/main-BBBBBBB2.js': module('main', 2),
  'assets/app-CCCCCCC1.css': V1['assets/app-CCCCCCC1.css']!,
  // New in v2: no earlier version, a normal part.
  'assets/extra-DDDDDDD2.js': module('extra', 2),
};

let dirs: string[] = [];
let cert: DevCertificate;
const closers: (() => Promise<void>)[] = [];

async function build(files: Record<string, string>, mtime?: Date): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'cache-digest-delta-'));
  dirs.push(root);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
    if (mtime) await utimes(path.join(root, name), mtime, mtime);
  }
  return root;
}

async function serve(root: string, options: Partial<CacheDigestMiddlewareOptions> = {}) {
  const site = new StaticSite({ root });
  const assets: PageAsset[] = [];
  for (const name of Object.keys(V2)) {
    const file = (await site.resolve(`/${name}`))!;
    assets.push({ url: `/${name}`, as: name.endsWith('.css') ? 'style' : 'script', type: file.contentType, size: file.size, etag: file.etag });
  }
  const middleware = cacheDigestMiddleware({ pages: { '/index.html': assets }, assets: site, mode: 'stream', log: false, ...options });
  const h2 = http2.createSecureServer({ cert: cert.cert, key: cert.key }, (req, res) =>
    middleware(req, res, () => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>t</title>');
    }),
  );
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => sessions.add(session));
  closers.push(async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => h2.close(() => resolve()));
    site.close();
  });
  return `https://127.0.0.1:${(h2.address() as AddressInfo).port}`;
}

/** The client's digest: these URLs of `files` (fresh; or URL + ETag with validators). */
function digest(origin: string, files: Record<string, string>, validators = false): string {
  const entries = Object.entries(files).map(([name, content]) => ({ url: `${origin}/${name}`, ...(validators ? { etag: contentEtag(Buffer.from(content)) } : {}) }));
  return formatCacheDigestHeader([{ digest: encodeDigest(entries, { pBits: 16, ...(validators ? { validators: true } : {}) }), complete: true, ...(validators ? { validators: true } : {}) }]);
}

/** The stream's asset parts: url -> head and body as sent, decoded from gzip when it was. */
async function parts(origin: string, headers: Record<string, string>) {
  const session = http2.connect(origin, { ca: cert.caCert });
  session.on('error', () => {});
  try {
    const stream = session.request({ ':path': '/', 'accept-push-stream': '1', ...headers });
    const response = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
    const chunks: Buffer[] = [];
    stream.on('data', (bytes: Buffer) => chunks.push(bytes));
    await new Promise((resolve) => stream.once('end', resolve));
    const wire = Buffer.concat(chunks);
    const body = response['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
    const reader = new PushStreamReader();
    const events: PushStreamEvent[] = [...reader.push(body), ...reader.close()];
    const out = new Map<string, { deltaBase?: string; headers: Record<string, string>; body: Buffer; ok?: boolean }>();
    const byPart = new Map<number, string>();
    for (const event of events) {
      if (event.type === 'head' && event.role === 'asset') {
        byPart.set(event.part, event.url);
        out.set(event.url, { ...(event.deltaBase ? { deltaBase: event.deltaBase } : {}), headers: event.headers, body: Buffer.alloc(0) });
      }
      const part = 'part' in event ? out.get(byPart.get(event.part)!) : undefined;
      if (event.type === 'data' && part) part.body = Buffer.concat([part.body, event.bytes]);
      if (event.type === 'end' && part) part.ok = event.ok;
    }
    return { encoding: response['content-encoding'], wire: wire.byteLength, parts: out };
  } finally {
    session.close();
  }
}

beforeAll(async () => {
  const certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  dirs.push(certDir);
  cert = await ensureDevCertificate(certDir);
});

afterAll(async () => {
  for (const close of closers) await close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

describe('delta parts against the version the client holds', () => {
  it('a client holding v1 (its real digest) gets the changed modules as deltas against v1, the rest as usual, gzip or identity', async () => {
    const previous = await build(V1);
    // The pairs are waited for here (the wait budget is tested below).
    const origin = await serve(await build(V2), { previousBuilds: [previous], deltaWaitMs: 10_000 });
    let wire: Record<string, number> = {};
    for (const encoding of ['gzip', undefined]) {
      const { encoding: sent, parts: got, wire: bytes } = await parts(origin, { 'cache-digest': digest(origin, V1), ...(encoding ? { 'accept-encoding': encoding } : {}) });
      wire[encoding ?? 'identity'] = bytes;
      expect(sent).toBe(encoding);
      // Held and unchanged: not sent at all.
      expect([...got.keys()].sort()).toEqual(['/assets/extra-DDDDDDD2.js', '/assets/format-AAAAAAA2.js', '/assets/main-BBBBBBB2.js']);
      for (const [url, base] of [['/assets/format-AAAAAAA2.js', '/assets/format-AAAAAAA1.js'], ['/assets/main-BBBBBBB2.js', '/assets/main-BBBBBBB1.js']] as const) {
        const part = got.get(url)!;
        expect(part.ok).toBe(true);
        expect(part.deltaBase).toBe(base);
        const body = Buffer.from(V2[url.slice(1)]!);
        // The head describes the decoded body; the delta is a fraction of it.
        expect(part.headers['content-length']).toBe(String(body.byteLength));
        expect(part.body.byteLength * 4).toBeLessThan(body.byteLength);
        expect(inflateRawSync(part.body, { dictionary: Buffer.from(V1[base.slice(1)]!) }).equals(body)).toBe(true);
      }
      const extra = got.get('/assets/extra-DDDDDDD2.js')!;
      expect(extra.deltaBase).toBeUndefined();
      expect(extra.body.toString()).toBe(V2['assets/extra-DDDDDDD2.js']);
    }
    expect(wire.gzip!).toBeLessThan(wire.identity!);
    // No digest (or one without the bases): whole parts.
    for (const headers of [{ 'accept-encoding': 'gzip' }, { 'cache-digest': digest(origin, { 'assets/app-CCCCCCC1.css': '' }) }] as Record<string, string>[]) {
      const { parts: got } = await parts(origin, headers);
      for (const [url, part] of got) {
        expect(part.deltaBase).toBeUndefined();
        expect(part.body.toString()).toBe(V2[url.slice(1)]);
      }
    }
  });

  it('finds old hashed files beside the new ones (newest held first), checks validators digests by ETag, and can be turned off', async () => {
    const old = new Date(Date.now() - 3600_000);
    // Two older versions of format kept in the same directory; v1.5 is newer.
    const root = await build({ ...V2, 'assets/format-AAAAAAA1.js': V1['assets/format-AAAAAAA1.js']! });
    await utimes(path.join(root, 'assets/format-AAAAAAA1.js'), old, old);
    const middle = module('format', 1) + '// 1.5\n';
    await writeFile(path.join(root, 'assets/format-AAAAAA15.js'), middle);
    const origin = await serve(root, { deltaWaitMs: 10_000 });
    const both = { 'assets/format-AAAAAAA1.js': V1['assets/format-AAAAAAA1.js']!, 'assets/format-AAAAAA15.js': middle };
    const newest = await parts(origin, { 'cache-digest': digest(origin, both), 'accept-encoding': 'gzip' });
    expect(newest.parts.get('/assets/format-AAAAAAA2.js')!.deltaBase).toBe('/assets/format-AAAAAA15.js');
    const onlyOld = await parts(origin, { 'cache-digest': digest(origin, { 'assets/format-AAAAAAA1.js': V1['assets/format-AAAAAAA1.js']! }, true) });
    expect(onlyOld.parts.get('/assets/format-AAAAAAA2.js')!.deltaBase).toBe('/assets/format-AAAAAAA1.js');
    // A validators digest naming another ETag for that URL does not hold it: no delta.
    const otherEtag = await parts(origin, { 'cache-digest': digest(origin, { 'assets/format-AAAAAAA1.js': 'not these bytes' }, true) });
    expect(otherEtag.parts.get('/assets/format-AAAAAAA2.js')!.deltaBase).toBeUndefined();

    const off = await serve(root, { deltaParts: false });
    const plain = await parts(off, { 'cache-digest': digest(off, both), 'accept-encoding': 'gzip' });
    expect(plain.parts.get('/assets/format-AAAAAAA2.js')!.deltaBase).toBeUndefined();
    expect(plain.parts.get('/assets/format-AAAAAAA2.js')!.body.toString()).toBe(V2['assets/format-AAAAAAA2.js']);
  });

  it('a pair still being made past deltaWaitMs goes out whole; the delta, made once in the background, serves the next requests', async () => {
    const origin = await serve(await build(V2), { previousBuilds: [await build(V1)], deltaWaitMs: 0 });
    const headers = { 'cache-digest': digest(origin, V1), 'accept-encoding': 'gzip' };
    const first = await parts(origin, headers);
    for (const url of ['/assets/format-AAAAAAA2.js', '/assets/main-BBBBBBB2.js']) {
      expect(first.parts.get(url)!.deltaBase).toBeUndefined();
      expect(first.parts.get(url)!.body.toString()).toBe(V2[url.slice(1)]);
    }
    let later = first;
    for (let attempt = 0; attempt < 40 && !later.parts.get('/assets/main-BBBBBBB2.js')!.deltaBase; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      later = await parts(origin, headers);
    }
    expect(later.parts.get('/assets/format-AAAAAAA2.js')!.deltaBase).toBe('/assets/format-AAAAAAA1.js');
    expect(later.parts.get('/assets/main-BBBBBBB2.js')!.deltaBase).toBe('/assets/main-BBBBBBB1.js');
    expect(later.wire).toBeLessThan(first.wire);
  });

  it('never reads a base outside its previous-build root: a symlinked directory or file that leaves it is ignored, one inside is followed', async () => {
    const outside = await build(V1);
    // assets -> a directory outside the root; one file linked out from a real directory.
    const escaping = await mkdtemp(path.join(tmpdir(), 'cache-digest-delta-'));
    dirs.push(escaping);
    await symlink(path.join(outside, 'assets'), path.join(escaping, 'assets'), 'dir');
    const fileLink = await mkdtemp(path.join(tmpdir(), 'cache-digest-delta-'));
    dirs.push(fileLink);
    await mkdir(path.join(fileLink, 'assets'));
    await symlink(path.join(outside, 'assets/format-AAAAAAA1.js'), path.join(fileLink, 'assets/format-AAAAAAA1.js'), 'file');
    // assets -> builds/1/assets, inside the same root.
    const inside = await build(Object.fromEntries(Object.entries(V1).map(([name, content]) => [`builds/1/${name}`, content])));
    await symlink(path.join(inside, 'builds/1/assets'), path.join(inside, 'assets'), 'dir');

    const current = await build(V2);
    const sent = async (previous: string) => {
      const origin = await serve(current, { previousBuilds: [previous], deltaWaitMs: 10_000 });
      return (await parts(origin, { 'cache-digest': digest(origin, V1) })).parts.get('/assets/format-AAAAAAA2.js')!;
    };
    for (const previous of [escaping, fileLink]) {
      const part = await sent(previous);
      expect(part.deltaBase).toBeUndefined();
      expect(part.body.toString()).toBe(V2['assets/format-AAAAAAA2.js']);
    }
    expect((await sent(inside)).deltaBase).toBe('/assets/format-AAAAAAA1.js');
  });
});
