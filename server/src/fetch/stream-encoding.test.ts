import { afterAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import { contentEtag, encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { createFetchHandler, memorySite, StreamPieceCache, webDeflate, type FetchDeltaLookup, type MemoryFile, type PageAsset } from './index.ts';
import { serveOnNode, type RunningRuntime } from './test-support/launch-runtime.ts';
import { readPushStream } from './test-support/read-push-stream.ts';

// Two builds of one hashed module: a deploy changes a constant.
const module = (version: number) => Array.from({ length: 300 }, (_, i) => `export function f${i}(x){return x*${i}+"v${i % 7}";}`).join('\n') + `\nexport const version=${version};\n`;
const encoder = new TextEncoder();
const OLD = encoder.encode(module(1));
const FILES: Record<string, MemoryFile> = {
  '/index.html': { body: '<!doctype html><script type="module" src="/assets/lib-BBBBBBB2.js"></script>\n', type: 'text/html; charset=utf-8' },
  '/assets/lib-BBBBBBB2.js': { body: module(2), type: 'text/javascript; charset=utf-8' },
};
const NEW = encoder.encode(module(2));
const ASSETS: PageAsset[] = [{ url: '/assets/lib-BBBBBBB2.js', as: 'script', type: 'text/javascript; charset=utf-8', size: NEW.byteLength, etag: contentEtag(NEW) }];

const running: RunningRuntime[] = [];
afterAll(async () => {
  for (const runtime of running) await runtime.stop();
});

async function stream(url: string, headers: Record<string, string>) {
  const response = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http.get(url + '/', { headers: { 'accept-push-stream': '1', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
  const body = response.headers['content-encoding'] === 'gzip' ? gunzipSync(response.body) : response.body;
  const { parts, fin } = await readPushStream(new Response(new Uint8Array(body)));
  return { fin, wire: response.body.byteLength, asset: parts.find((part) => part.role === 'asset')! };
}

describe('fetch handler: delta parts the caller supplies, compressed pieces and HEADs', () => {
  it('sends a delta against the version the digest holds, in gzip and identity streams; whole parts without it', async () => {
    const looked: string[] = [];
    // What an edge deployment would look up (made at build time); here made with zlib against the old file.
    const deltas: FetchDeltaLookup = async (asset, holds) => {
      looked.push(asset.url);
      if (!holds('/assets/lib-BBBBBBB1.js', contentEtag(OLD))) return undefined;
      return { base: '/assets/lib-BBBBBBB1.js', bytes: deflateRawSync(asset.body, { level: 9, dictionary: OLD }) };
    };
    const runtime = await serveOnNode(createFetchHandler({ pages: { '/index.html': ASSETS }, assets: memorySite(FILES), mode: 'stream', log: false, deltas }));
    running.push(runtime);
    const holding = formatCacheDigestHeader([{ digest: encodeDigest([{ url: `${runtime.url}/assets/lib-BBBBBBB1.js`, etag: contentEtag(OLD) }], { pBits: 16, validators: true }), complete: true, validators: true }]);
    const whole = await stream(runtime.url, { 'accept-encoding': 'gzip' });
    expect(whole.asset.deltaBase).toBeUndefined();
    expect(whole.asset.body).toBe(FILES['/assets/lib-BBBBBBB2.js']!.body);
    for (const encoding of ['gzip', 'identity']) {
      const { fin, asset, wire } = await stream(runtime.url, { 'accept-encoding': encoding, 'cache-digest': holding });
      expect(fin).toBe(true);
      expect(asset.deltaBase).toBe('/assets/lib-BBBBBBB1.js');
      // The HEAD describes the decoded body; the bytes are the delta.
      expect(asset.headers['content-length']).toBe(String(NEW.byteLength));
      const bytes = asset.bytes;
      expect(bytes.byteLength).toBeLessThan(whole.wire);
      expect(wire).toBeLessThan(whole.wire);
      expect(new Uint8Array(inflateRawSync(bytes, { dictionary: OLD }))).toEqual(NEW);
    }
    expect(looked.length).toBe(2); // only streams whose digest could hold a base ask
  });

  it('compresses an asset version once: later streams reuse its pieces', async () => {
    const cache = new StreamPieceCache(webDeflate);
    const headers = { etag: ASSETS[0]!.etag!, 'content-type': 'text/javascript' };
    const first = await cache.pieces('/assets/lib-BBBBBBB2.js', headers, NEW);
    const again = await Promise.all([cache.pieces('/assets/lib-BBBBBBB2.js', headers, NEW), cache.pieces('/assets/lib-BBBBBBB2.js', headers, NEW)]);
    expect(again).toEqual([first, first]);
    expect(again[0]).toBe(first);
    expect(cache.compressions).toBe(1);
    await cache.pieces('/assets/lib-BBBBBBB2.js', { ...headers, etag: '"other"' }, NEW);
    expect(cache.compressions).toBe(2);
  });

  it('deflates the HEADs of a gzip stream: a page of many tiny assets, which compression of bodies cannot shrink, gets smaller', async () => {
    const files: Record<string, MemoryFile> = { '/index.html': { body: '<!doctype html><title>tiny</title>\n', type: 'text/html; charset=utf-8' } };
    const assets: PageAsset[] = [];
    for (let i = 0; i < 16; i++) {
      const body = `.c${i}{color:#${i}}\n`;
      files[`/assets/c${i}-CCCCCC${String(i).padStart(2, '0')}.css`] = { body, type: 'text/css; charset=utf-8' };
      assets.push({ url: `/assets/c${i}-CCCCCC${String(i).padStart(2, '0')}.css`, as: 'style', type: 'text/css; charset=utf-8', size: body.length, etag: contentEtag(encoder.encode(body)) });
    }
    const runtime = await serveOnNode(createFetchHandler({ pages: { '/index.html': assets }, assets: memorySite(files), mode: 'stream', log: false }));
    running.push(runtime);
    const identity = await streamAll(runtime.url, 'identity');
    const gzip = await streamAll(runtime.url, 'gzip');
    for (const result of [identity, gzip]) {
      expect(result.fin).toBe(true);
      expect(result.parts.filter((part) => part.role === 'asset').map((part) => [part.url, part.body])).toEqual(assets.map((asset) => [asset.url, files[asset.url]!.body]));
    }
    // About 0.86 with deflated HEADs; 1.07 with them stored (gzip framing only adds).
    expect(gzip.wire / identity.wire).toBeLessThan(0.95);
  });
});

async function streamAll(url: string, encoding: string) {
  const response = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http.get(url + '/', { headers: { 'accept-push-stream': '1', 'accept-encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
  expect(response.headers['content-encoding']).toBe(encoding === 'gzip' ? 'gzip' : undefined);
  const body = encoding === 'gzip' ? gunzipSync(response.body) : response.body;
  const { parts, fin } = await readPushStream(new Response(new Uint8Array(body)));
  return { fin, parts, wire: response.body.byteLength };
}
