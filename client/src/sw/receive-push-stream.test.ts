import { PushStreamWriter } from '@cache-digest/shared';
import { describe, expect, it } from 'vitest';
import { receivePushStream, type PushStreamSink } from './receive-push-stream.ts';
import type { BufferedResponse } from './stored-response.ts';

const ORIGIN = 'https://example.com';
const encode = (text: string) => new TextEncoder().encode(text);
const LIMITS = { maxEntryBytes: 1 << 20, maxParts: 100, idleTimeoutMs: 2000 };

function recordingSink() {
  const log = { assets: new Map<string, BufferedResponse>(), voided: [] as string[], notModified: [] as string[], closed: [] as unknown[] };
  const sink: PushStreamSink = {
    resolveUrl: (path) => (path.startsWith('/') && !path.startsWith('//') ? ORIGIN + path : undefined),
    onAsset: (url, part) => log.assets.set(url, part),
    onNotModified: (url) => log.notModified.push(url),
    onVoid: (url) => log.voided.push(url),
    onClose: (error) => log.closed.push(error),
  };
  return { sink, log };
}

/** A body that yields `chunks` one at a time (then ends, or stays open when `hang`). */
function bodyOf(chunks: Uint8Array[], hang = false): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (!hang) controller.close();
    },
  });
}

function pageAndAssets(writer = new PushStreamWriter()): Uint8Array[] {
  return [
    writer.head(0, { url: '/', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' }),
    writer.data(0, encode('<h1>hello</h1>')),
    writer.head(1, { url: '/app.css', status: 200, headers: { 'content-length': '5', etag: '"c"', 'cache-control': 'max-age=60' }, role: 'asset' }),
    writer.data(1, encode('body{')),
    writer.end(1),
    writer.end(0),
  ];
}

describe('receivePushStream', () => {
  it('hands over the page at once and each verified asset', async () => {
    const writer = new PushStreamWriter();
    const { sink, log } = recordingSink();
    const { page, done } = receivePushStream(bodyOf([...pageAndAssets(writer), writer.fin()]), sink, LIMITS);
    const response = (await page)!;
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe('<h1>hello</h1>');
    await done;
    const css = log.assets.get(`${ORIGIN}/app.css`)!;
    expect(new TextDecoder().decode(css.body)).toBe('body{');
    expect(css.headers.get('etag')).toBe('"c"');
    expect(log.voided).toEqual([]);
    expect(log.closed).toEqual([undefined]);
  });

  it('a truncated stream voids the open asset and never delivers it', async () => {
    const writer = new PushStreamWriter();
    const chunks = [
      writer.head(0, { url: '/', status: 200, headers: {}, role: 'page' }),
      writer.data(0, encode('<p>x</p>')),
      writer.end(0),
      writer.head(1, { url: '/big.js', status: 200, headers: { 'content-length': '10' }, role: 'asset' }),
      writer.data(1, encode('12345')),
    ];
    const { sink, log } = recordingSink();
    const { page, done } = receivePushStream(bodyOf(chunks), sink, LIMITS);
    expect(await (await page)!.text()).toBe('<p>x</p>');
    await done;
    expect(log.assets.size).toBe(0);
    expect(log.voided).toEqual([`${ORIGIN}/big.js`]);
    expect(String(log.closed[0])).toMatch(/without FIN/);
  });

  it('a corrupt body (CRC mismatch) is voided', async () => {
    const writer = new PushStreamWriter();
    const head = writer.head(0, { url: '/a.js', status: 200, headers: { 'content-length': '3' }, role: 'asset' });
    const tampered = writer.data(0, encode('abc')).slice();
    const end = writer.end(0);
    // Flip one body byte after the writer computed its CRC: the END no longer matches.
    tampered[tampered.length - 1] ^= 0xff;
    const { sink, log } = recordingSink();
    const { page, done } = receivePushStream(bodyOf([head, tampered, end, writer.fin()]), sink, LIMITS);
    await done;
    expect(await page).toBeUndefined(); // no page part: the caller fetches the page itself
    expect(log.assets.size).toBe(0);
    expect(log.voided).toEqual([`${ORIGIN}/a.js`]);
  });

  it('ignores parts the sink refuses, and oversize parts', async () => {
    const writer = new PushStreamWriter();
    const chunks = [
      writer.head(0, { url: '/elsewhere.js', status: 200, headers: {}, role: 'asset' }),
      writer.data(0, encode('evil')),
      writer.end(0),
      writer.head(1, { url: '/huge.bin', status: 200, headers: { 'content-length': '20' }, role: 'asset' }),
      writer.data(1, new Uint8Array(20)),
      writer.end(1),
      writer.fin(),
    ];
    const { sink, log } = recordingSink();
    sink.resolveUrl = (path) => (path === '/huge.bin' ? ORIGIN + path : undefined);
    const { done } = receivePushStream(bodyOf(chunks), sink, { ...LIMITS, maxEntryBytes: 10 });
    await done;
    expect(log.assets.size).toBe(0);
    expect(log.voided).toEqual([`${ORIGIN}/huge.bin`]);
  });

  it('garbage instead of a stream ends cleanly with no page', async () => {
    const { sink, log } = recordingSink();
    const { page, done } = receivePushStream(bodyOf([encode('<!doctype html>')]), sink, LIMITS);
    expect(await page).toBeUndefined();
    await done;
    expect((log.closed[0] as { code?: string }).code).toBe('BAD_FRAME');
  });

  it('a silent stream is abandoned after the idle timeout', async () => {
    const writer = new PushStreamWriter();
    const { sink, log } = recordingSink();
    const chunks = [writer.head(0, { url: '/slow.js', status: 200, headers: {}, role: 'asset' })];
    const { page, done } = receivePushStream(bodyOf(chunks, true), sink, { ...LIMITS, idleTimeoutMs: 200 });
    await done;
    expect(await page).toBeUndefined();
    expect(log.voided).toEqual([`${ORIGIN}/slow.js`]);
    expect(String(log.closed[0])).toMatch(/silent/);
  });

  it('a 304 part is reported as not modified', async () => {
    const writer = new PushStreamWriter();
    const chunks = [writer.head(0, { url: '/same.css', status: 304, headers: { etag: '"e"' }, role: 'asset' }), writer.end(0), writer.fin()];
    const { sink, log } = recordingSink();
    await receivePushStream(bodyOf(chunks), sink, LIMITS).done;
    expect(log.notModified).toEqual([`${ORIGIN}/same.css`]);
  });
});

describe('receivePushStream with content-encoded parts', () => {
  it('decodes a gzip page part and a gzip asset (headers say identity)', async () => {
    const { gzipSync } = await import('node:zlib');
    const writer = new PushStreamWriter();
    const page = gzipSync('<p>zipped page</p>');
    const css = gzipSync('body{color:red}');
    const chunks = [
      writer.head(0, { url: '/', status: 200, headers: { 'content-encoding': 'gzip', 'content-length': String(page.length) }, role: 'page' }),
      writer.data(0, page),
      writer.end(0),
      writer.head(1, { url: '/z.css', status: 200, headers: { 'content-encoding': 'gzip', 'content-length': String(css.length) }, role: 'asset' }),
      writer.data(1, css),
      writer.end(1),
      writer.fin(),
    ];
    const { sink, log } = recordingSink();
    const received = receivePushStream(bodyOf(chunks), sink, LIMITS);
    const response = (await received.page)!;
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.text()).toBe('<p>zipped page</p>');
    await received.done;
    const asset = log.assets.get(`${ORIGIN}/z.css`)!;
    expect(new TextDecoder().decode(asset.body)).toBe('body{color:red}');
    expect(asset.headers.get('content-encoding')).toBeNull();
  });

  it('an unknown content-encoding voids the asset and leaves the page to the network', async () => {
    const writer = new PushStreamWriter();
    const chunks = [
      writer.head(0, { url: '/', status: 200, headers: { 'content-encoding': 'x-unknown' }, role: 'page' }),
      writer.data(0, encode('??')),
      writer.end(0),
      writer.head(1, { url: '/q.css', status: 200, headers: { 'content-encoding': 'x-unknown' }, role: 'asset' }),
      writer.data(1, encode('??')),
      writer.end(1),
      writer.fin(),
    ];
    const { sink, log } = recordingSink();
    const received = receivePushStream(bodyOf(chunks), sink, LIMITS);
    expect(await received.page).toBeUndefined();
    await received.done;
    expect(log.voided).toEqual([`${ORIGIN}/q.css`]);
  });
});
