import { contentDigestValue, contentEtag, PushStreamWriter } from '@cache-digest/shared';
import { deflateRawSync } from 'node:zlib';
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
  it('hands over the verified page and each verified asset', async () => {
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

  describe('a page that always renders: the page part is handed on only once verified', () => {
    /** A body the test feeds by hand. */
    function controlledBody() {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
      return { stream, controller };
    }
    const pending = Symbol('pending');
    const settledWithin = <T>(promise: Promise<T>, ms: number) =>
      Promise.race([promise, new Promise<typeof pending>((resolve) => setTimeout(resolve, ms, pending))]);
    const pageHead = (writer: PushStreamWriter) => writer.head(0, { url: '/', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' });

    it('holds the page until its END, then hands over exactly its bytes', async () => {
      const writer = new PushStreamWriter();
      const { stream, controller } = controlledBody();
      const { page, done } = receivePushStream(stream, recordingSink().sink, LIMITS);
      controller.enqueue(pageHead(writer));
      controller.enqueue(writer.data(0, encode('<p>first half')));
      expect(await settledWithin(page, 50)).toBe(pending);
      controller.enqueue(writer.data(0, encode(', second half</p>')));
      controller.enqueue(writer.end(0));
      expect(await (await page)!.text()).toBe('<p>first half, second half</p>');
      controller.enqueue(writer.fin());
      controller.close();
      await done;
    });

    it('a page cut inside its body goes to the network; nothing of it is handed on', async () => {
      const writer = new PushStreamWriter();
      const { sink } = recordingSink();
      const { page, done } = receivePushStream(bodyOf([pageHead(writer), writer.data(0, encode('<p>cut he'))]), sink, LIMITS);
      expect(await page).toBeUndefined();
      await done;
    });

    it('a corrupt page part goes to the network, and the assets after it are still taken', async () => {
      const writer = new PushStreamWriter();
      const head = pageHead(writer);
      const data = writer.data(0, encode('<p>page</p>')).slice();
      data[data.length - 2] ^= 0x01;
      const chunks = [
        head,
        data,
        writer.end(0),
        writer.head(1, { url: '/app.css', status: 200, headers: { 'content-length': '5' }, role: 'asset' }),
        writer.data(1, encode('body{')),
        writer.end(1),
        writer.fin(),
      ];
      const { sink, log } = recordingSink();
      const { page, done } = receivePushStream(bodyOf(chunks), sink, LIMITS);
      expect(await page).toBeUndefined();
      await done;
      expect(new TextDecoder().decode(log.assets.get(`${ORIGIN}/app.css`)!.body)).toBe('body{');
    });

    it('a page part larger than maxEntryBytes goes to the network as soon as it is', async () => {
      const writer = new PushStreamWriter();
      const { stream, controller } = controlledBody();
      const { page } = receivePushStream(stream, recordingSink().sink, { ...LIMITS, maxEntryBytes: 16 });
      controller.enqueue(pageHead(writer));
      controller.enqueue(writer.data(0, encode('<p>more than sixteen bytes</p>')));
      expect(await page).toBeUndefined();
      controller.close();
    });

    it('a page part missing a DATA frame but keeping its END goes to the network', async () => {
      const writer = new PushStreamWriter();
      const head = pageHead(writer);
      writer.data(0, encode('<p>lost</p>')); // counted by the writer's END, never sent
      const chunks = [head, writer.data(0, encode('<p>kept</p>')), writer.end(0), writer.fin()];
      const { page, done } = receivePushStream(bodyOf(chunks), recordingSink().sink, LIMITS);
      expect(await page).toBeUndefined();
      await done;
    });

    it('a stream that stalls inside the page part is given up after pageStallTimeoutMs: the page and the open parts go to the network', async () => {
      const writer = new PushStreamWriter();
      const { sink, log } = recordingSink();
      const { stream, controller } = controlledBody();
      const { page, done } = receivePushStream(stream, sink, { ...LIMITS, pageStallTimeoutMs: 150 });
      controller.enqueue(writer.head(1, { url: '/open.js', status: 200, headers: { 'content-length': '4' }, role: 'asset' }));
      controller.enqueue(writer.data(1, encode('op')));
      controller.enqueue(pageHead(writer));
      controller.enqueue(writer.data(0, encode('<p>sta')));
      const started = Date.now();
      expect(await page).toBeUndefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      await done;
      expect(log.assets.size).toBe(0);
      expect(log.voided).toEqual([`${ORIGIN}/open.js`]);
      expect(String(log.closed[0])).toMatch(/stalled/);
    });

    it('a stream that keeps moving is not given up, however long the page takes', async () => {
      const writer = new PushStreamWriter();
      const { stream, controller } = controlledBody();
      const { page, done } = receivePushStream(stream, recordingSink().sink, { ...LIMITS, pageStallTimeoutMs: 150 });
      controller.enqueue(pageHead(writer));
      for (let i = 0; i < 5; i++) {
        controller.enqueue(writer.data(0, encode(`<p>${i}</p>`)));
        await new Promise((resolve) => setTimeout(resolve, 80));
      }
      controller.enqueue(writer.end(0));
      expect(await (await page)!.text()).toBe('<p>0</p><p>1</p><p>2</p><p>3</p><p>4</p>');
      controller.enqueue(writer.fin());
      controller.close();
      await done;
    });
  });

  it('verifies each asset against its Content-Digest and content-hash ETag before handing it on', async () => {
    const writer = new PushStreamWriter();
    const good = encode('body{color:red}');
    const bad = encode('body{color:RED}');
    const part = (n: number, url: string, headers: Record<string, string>, body: Uint8Array) => [
      writer.head(n, { url, status: 200, headers: { 'content-length': String(body.length), ...headers }, role: 'asset' }),
      writer.data(n, body),
      writer.end(n),
    ];
    const chunks = [
      ...part(0, '/good.css', { 'content-digest': contentDigestValue(good), etag: contentEtag(good) }, good),
      // CRC and length are right (the writer computed them over these bytes), the origin's claims are not.
      ...part(1, '/digest-mismatch.css', { 'content-digest': contentDigestValue(good) }, bad),
      ...part(2, '/etag-mismatch.css', { etag: contentEtag(good) }, bad),
      ...part(3, '/malformed.css', { 'content-digest': 'sha-256=not-base64' }, good),
      writer.fin(),
    ];
    const { sink, log } = recordingSink();
    const { done } = receivePushStream(bodyOf(chunks), sink, LIMITS);
    await done;
    expect([...log.assets.keys()]).toEqual([`${ORIGIN}/good.css`]);
    expect(log.voided.sort()).toEqual([`${ORIGIN}/digest-mismatch.css`, `${ORIGIN}/etag-mismatch.css`, `${ORIGIN}/malformed.css`]);
  });

  it('decodes delta parts against the base the sink holds; a missing, wrong or unknown-to-the-sink base voids the part', async () => {
    const base = encode('export const a = "one"; export const b = "two";\n'.repeat(20));
    const body = encode('export const a = "one"; export const b = "TWO";\n'.repeat(20));
    const delta = deflateRawSync(body, { dictionary: base });
    const headers = { 'content-length': String(body.length), etag: contentEtag(body), 'content-digest': contentDigestValue(body) };
    const stream = () => {
      const writer = new PushStreamWriter();
      return bodyOf([
        writer.part(1, { url: '/a-2.js', status: 200, headers, role: 'asset', deltaBase: '/a-1.js' }, delta),
        writer.part(2, { url: '/b-2.js', status: 200, headers, role: 'asset', deltaBase: '/b-1.js' }, delta),
        writer.part(3, { url: '/c-2.js', status: 200, headers, role: 'asset', deltaBase: '/c-1.js' }, delta),
        writer.part(0, { url: '/', status: 200, headers: {}, role: 'page' }, encode('<p>x</p>')),
        writer.fin(),
      ]);
    };
    const { sink, log } = recordingSink();
    const bases: Record<string, Uint8Array> = { [`${ORIGIN}/a-1.js`]: base, [`${ORIGIN}/b-1.js`]: encode('another file entirely'.repeat(9)) };
    // c-1.js is a digest false positive: the worker does not hold it.
    sink.deltaBase = async (url) => bases[url];
    await receivePushStream(stream(), sink, LIMITS).done;
    expect(new TextDecoder().decode(log.assets.get(`${ORIGIN}/a-2.js`)!.body)).toBe(new TextDecoder().decode(body));
    expect([...log.assets.keys()]).toEqual([`${ORIGIN}/a-2.js`]);
    expect(log.voided.sort()).toEqual([`${ORIGIN}/b-2.js`, `${ORIGIN}/c-2.js`]);
    // A receiver without bases voids every delta part; so does a body over the entry limit.
    for (const [withBases, limit] of [[false, 1 << 20], [true, body.length - 1]] as const) {
      const other = recordingSink();
      if (withBases) other.sink.deltaBase = async (url) => bases[url];
      await receivePushStream(stream(), other.sink, { ...LIMITS, maxEntryBytes: limit }).done;
      expect(other.log.assets.size).toBe(0);
      expect(other.log.voided.length).toBe(3);
    }
  });
});
