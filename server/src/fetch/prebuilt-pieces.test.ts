import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { contentEtag } from '@cache-digest/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { createFetchHandler, decodeStreamPieces, encodeStreamPieces, memorySite, type MemoryFile, type PageAsset } from './index.ts';
import { serveOnNode, type RunningRuntime } from './test-support/launch-runtime.ts';
import { BIG_FILES } from './test-support/fixture-site.ts';
import { readPushStream } from './test-support/read-push-stream.ts';

const encoder = new TextEncoder();
const LIB = BIG_FILES['/lib.js']!.body as string; // about 250 KB: four pieces
const STALE = LIB.replace('f1(', 'g1(');
const FILES: Record<string, MemoryFile> = {
  '/index.html': { body: '<!doctype html><script type="module" src="/assets/lib.js"></script>\n', type: 'text/html; charset=utf-8' },
  '/assets/lib.js': { body: LIB, type: 'text/javascript; charset=utf-8' },
  '/assets/font.woff2': { body: 'w'.repeat(5000), type: 'font/woff2' },
};
const asset = (url: string, as: string): PageAsset => {
  const body = encoder.encode(FILES[url]!.body as string);
  return { url, as, type: FILES[url]!.type, size: body.byteLength, etag: contentEtag(body) };
};
const ASSETS = [asset('/assets/lib.js', 'script'), asset('/assets/font.woff2', 'font')];

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** The build step, as a deployment runs it: `cache-digest pieces DIR` over a site with its manifest. */
async function buildPieces(files: Record<string, MemoryFile>): Promise<{ written: string; files: Record<string, Uint8Array> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cache-digest-pieces-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const [url, file] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, url)), { recursive: true });
    writeFileSync(path.join(dir, url), file.body);
  }
  // An entry outside the site and one missing: skipped.
  const pages = { '/index.html': [...ASSETS, { url: '/../outside.js', as: 'script', type: 'text/javascript' }, { url: '/assets/gone.js', as: 'script', type: 'text/javascript' }] };
  writeFileSync(path.join(dir, 'push-manifest.json'), JSON.stringify({ version: 1, pages }));
  let out = '';
  const status = await main(['pieces', dir], { stdin: (async function* () {})(), stdout: (text) => (out += text), stderr: (text) => (out += text) });
  expect({ status, out }).toEqual({ status: 0, out: '1 pieces files written\n' });
  return { written: out, files: { '/assets/lib.js.pieces': new Uint8Array(readFileSync(path.join(dir, 'assets/lib.js.pieces'))) } };
}

async function gzipStream(runtime: RunningRuntime) {
  const body = await new Promise<Buffer>((resolve, reject) => {
    http.get(runtime.url + '/', { headers: { 'accept-push-stream': '1', 'accept-encoding': 'gzip' } }, (res) => {
      expect(res.headers['content-encoding']).toBe('gzip');
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject);
  });
  const { parts, fin } = await readPushStream(new Response(new Uint8Array(gunzipSync(body))));
  expect(fin).toBe(true);
  expect(parts.filter((part) => part.role === 'asset').map((part) => [part.url, part.outcome, part.body])).toEqual(ASSETS.map((entry) => [entry.url, 'end', FILES[entry.url]!.body]));
  return body.byteLength;
}

async function serve(pieces: Record<string, Uint8Array>, prebuiltPieces: boolean) {
  const files: Record<string, MemoryFile> = { ...FILES };
  for (const [url, body] of Object.entries(pieces)) files[url] = { body, type: 'application/octet-stream' };
  const handler = createFetchHandler({ pages: { '/index.html': ASSETS }, assets: memorySite(files), mode: 'stream', log: false, prebuiltPieces });
  const runtime = await serveOnNode(handler);
  cleanups.push(() => runtime.stop());
  return { handler, runtime };
}

describe('prebuilt stream pieces (pieces files made at build time)', () => {
  it('a handler given the build step\'s pieces files compresses nothing; one without them compresses each version once', async () => {
    const { files } = await buildPieces(FILES);
    const prebuilt = await serve(files, true);
    const own = await serve({}, false);
    const wire = await gzipStream(prebuilt.runtime);
    await gzipStream(prebuilt.runtime);
    expect(prebuilt.handler.compressions).toBe(0);
    const ownWire = await gzipStream(own.runtime);
    await gzipStream(own.runtime);
    // lib.js once, by the first request (the font is not deflated: its pieces go stored).
    expect(own.handler.compressions).toBe(1);
    // Level 9 at build time: no larger than the runtime's own compression.
    expect(wire).toBeLessThanOrEqual(ownWire);
  });

  it('ignores a stale or broken pieces file: the body is compressed as without one, and sent intact', async () => {
    const { files: stale } = await buildPieces({ ...FILES, '/assets/lib.js': { ...FILES['/assets/lib.js']!, body: STALE } });
    const cut = stale['/assets/lib.js.pieces']!.subarray(0, 1000);
    for (const files of [stale, { '/assets/lib.js.pieces': cut }, { '/assets/lib.js.pieces': encoder.encode('CDP1\xff\xff\xff\xff') }]) {
      const { handler, runtime } = await serve(files, true);
      await gzipStream(runtime);
      expect(handler.compressions).toBe(1);
    }
  });

  it('decodes only a file that covers the body exactly', async () => {
    const body = encoder.encode(LIB);
    const { files } = await buildPieces(FILES);
    const file = files['/assets/lib.js.pieces']!;
    const pieces = decodeStreamPieces(file, body)!;
    expect(pieces.map((piece) => [piece.offset, piece.length])).toEqual([[0, 65536], [65536, 65536], [131072, 65536], [196608, body.byteLength - 196608]]);
    expect(pieces.every((piece) => piece.deflated && piece.deflated.byteLength < piece.length / 3)).toBe(true);
    expect(encodeStreamPieces(pieces)).toEqual(file);
    expect(decodeStreamPieces(file, body.subarray(0, body.byteLength - 1))).toBeUndefined();
    expect(decodeStreamPieces(file, encoder.encode(STALE))).toBeUndefined();
    expect(decodeStreamPieces(new Uint8Array([...file, 0]), body)).toBeUndefined();
    expect(decodeStreamPieces(file.subarray(4), body)).toBeUndefined();
    expect(decodeStreamPieces(new Uint8Array(0), new Uint8Array(0))).toBeUndefined();
    expect(decodeStreamPieces(encodeStreamPieces([]), new Uint8Array(0))).toEqual([]);
  });
});
