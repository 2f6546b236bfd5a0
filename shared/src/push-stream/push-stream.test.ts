import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CacheDigestError } from '../errors.ts';
import { PushStreamReader } from './push-stream-reader.ts';
import { PushStreamWriter } from './push-stream-writer.ts';
import type { PushStreamEvent, PushStreamHead } from './types.ts';
import { rawFrame } from './test-support/raw-frame.ts';

interface Part {
  head: PushStreamHead;
  body: Uint8Array;
}

/** Writes parts the way a server does: page head first, assets, page body last. */
function writeStream(parts: Part[], options: { maxDataFrameBytes?: number } = {}): Uint8Array {
  const writer = new PushStreamWriter(options);
  const chunks: Uint8Array[] = [];
  parts.forEach((part, index) => chunks.push(writer.head(index, part.head)));
  parts.forEach((part, index) => {
    chunks.push(writer.data(index, part.body));
    chunks.push(writer.end(index));
  });
  chunks.push(writer.fin());
  return concat(chunks);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Feeds `bytes` split at the given sizes and collects every event. */
function readAll(bytes: Uint8Array, chunkSizes: number[] = [bytes.length]): PushStreamEvent[] {
  const reader = new PushStreamReader();
  const events: PushStreamEvent[] = [];
  let offset = 0;
  let i = 0;
  while (offset < bytes.length) {
    const size = Math.max(1, chunkSizes[i++ % chunkSizes.length]!);
    events.push(...reader.push(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  events.push(...reader.close());
  return events;
}

/** Reassembles parts from events: bodies, end status, aborts. */
function collect(events: PushStreamEvent[]) {
  const parts = new Map<number, { head?: PushStreamHead; body: Uint8Array[]; ok?: boolean; aborted?: string }>();
  let fin: number | undefined;
  for (const event of events) {
    if (event.type === 'fin') {
      fin = event.parts;
      continue;
    }
    const part = parts.get(event.part) ?? { body: [] };
    parts.set(event.part, part);
    if (event.type === 'head') part.head = { url: event.url, status: event.status, headers: { ...event.headers }, role: event.role };
    if (event.type === 'data') part.body.push(event.bytes);
    if (event.type === 'end') part.ok = event.ok;
    if (event.type === 'abort') part.aborted = event.reason;
  }
  return { parts, fin };
}

const encoder = new TextEncoder();
const page: Part = {
  head: { url: '/index.html', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' },
  body: encoder.encode('<!doctype html><link rel=stylesheet href=/app.css>'),
};
const css: Part = {
  head: {
    url: '/app.css',
    status: 200,
    headers: { 'content-type': 'text/css', 'content-length': '20', etag: '"abc"', 'cache-control': 'max-age=60' },
    role: 'asset',
  },
  body: encoder.encode('body { color: red; }'),
};

describe('PushStreamWriter + PushStreamReader', () => {
  it('round-trips parts, whatever the chunking', () => {
    const bytes = writeStream([page, css]);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('CDPS');
    for (const sizes of [[bytes.length], [1], [2, 3, 5], [7], [13, 1]]) {
      const { parts, fin } = collect(readAll(bytes, sizes));
      expect(fin).toBe(2);
      expect(parts.get(0)!.head).toEqual(page.head);
      expect(parts.get(1)!.head).toEqual(css.head);
      expect(concat(parts.get(0)!.body)).toEqual(page.body);
      expect(concat(parts.get(1)!.body)).toEqual(css.body);
      expect(parts.get(0)!.ok).toBe(true);
      expect(parts.get(1)!.ok).toBe(true);
    }
  });

  it('round-trips random parts and bodies split into small DATA frames (property)', () => {
    const partArb = fc.record({
      url: fc.webPath().map((p) => '/' + p.replace(/^\/+/, '').replace(/[\\\s]/g, '_')),
      status: fc.constantFrom(200, 304, 404),
      body: fc.uint8Array({ maxLength: 3000 }),
      role: fc.constantFrom<'asset'>('asset'),
    });
    fc.assert(
      fc.property(fc.array(partArb, { maxLength: 6 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 97 }), (arb, frame, chunk) => {
        const parts: Part[] = arb.map((p) => ({ head: { url: p.url, status: p.status, headers: { 'x-n': String(p.body.length) }, role: p.role }, body: p.body }));
        const { parts: read, fin } = collect(readAll(writeStream(parts, { maxDataFrameBytes: frame }), [chunk]));
        expect(fin).toBe(parts.length);
        parts.forEach((p, i) => {
          expect(read.get(i)!.head!.url).toBe(p.head.url);
          expect(concat(read.get(i)!.body)).toEqual(p.body);
          expect(read.get(i)!.ok).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('writes the CRC-32 zlib computes', () => {
    const bytes = writeStream([css]);
    const end = bytes.subarray(bytes.length - 9 - 15, bytes.length - 9);
    expect(end[0]).toBe(0x03);
    const view = new DataView(end.buffer, end.byteOffset + 7, 8);
    expect(view.getUint32(0)).toBe(css.body.length);
    expect(view.getUint32(4)).toBe(zlibCrc32(css.body));
  });

  it('lets parts interleave (a slow page between assets)', () => {
    const writer = new PushStreamWriter();
    const bytes = concat([
      writer.head(0, page.head),
      writer.head(1, css.head),
      writer.data(0, page.body.subarray(0, 5)),
      writer.data(1, css.body),
      writer.end(1),
      writer.data(0, page.body.subarray(5)),
      writer.end(0),
      writer.fin(),
    ]);
    const events = readAll(bytes, [3]);
    expect(events.map((e) => `${e.type}:${'part' in e ? e.part : e.parts}`)).toEqual([
      'head:0', 'head:1', 'data:0', 'data:1', 'end:1', 'data:0', 'end:0', 'fin:2',
    ]);
    expect(concat(collect(events).parts.get(0)!.body)).toEqual(page.body);
  });

  it('reports a 304 part without body and an aborted part', () => {
    const writer = new PushStreamWriter();
    const bytes = concat([
      writer.head(0, { ...css.head, status: 304, headers: { etag: '"abc"', 'cache-control': 'max-age=60' } }),
      writer.end(0),
      writer.head(1, { ...css.head, url: '/gone.css' }),
      writer.abort(1, 'read failed'),
      writer.fin(),
    ]);
    const { parts, fin } = collect(readAll(bytes));
    expect(parts.get(0)!.head!.status).toBe(304);
    expect(parts.get(0)!.body).toEqual([]);
    expect(parts.get(0)!.ok).toBe(true);
    expect(parts.get(1)!.aborted).toBe('read failed');
    expect(fin).toBe(2);
  });

  it('detects a corrupted body byte with END ok=false', () => {
    const bytes = writeStream([css]);
    const corrupted = bytes.slice();
    const bodyAt = Buffer.from(corrupted).indexOf('body { color');
    expect(bodyAt).toBeGreaterThan(0);
    corrupted[bodyAt] = 0x42; // 'b' -> 'B'
    const { parts } = collect(readAll(corrupted));
    expect(parts.get(0)!.ok).toBe(false);
  });

  it('detects a body that does not match its content-length', () => {
    const bytes = writeStream([{ ...css, body: css.body.subarray(0, 10) }]);
    expect(collect(readAll(bytes)).parts.get(0)!.ok).toBe(false);
  });

  it('aborts open parts as truncated when the body ends early, keeping completed ones', () => {
    const bytes = writeStream([css, { ...css, head: { ...css.head, url: '/b.css' } }]);
    // Cut inside the second part's body.
    const cut = bytes.subarray(0, bytes.length - 9 - 15 - 5);
    const reader = new PushStreamReader();
    const events = [...reader.push(cut), ...reader.close()];
    const { parts, fin } = collect(events);
    expect(fin).toBeUndefined();
    expect(reader.finished).toBe(false);
    expect(parts.get(0)!.ok).toBe(true);
    expect(parts.get(1)!.aborted).toBe('truncated');
  });

  it('ignores a part whose URL is not a same-origin path', () => {
    for (const url of ['https://evil.example/x.js', '//evil.example/x.js', '/\\evil.example/x.js', 'x.js']) {
      const head = encoder.encode(JSON.stringify({ url, status: 200, headers: {}, role: 'asset' }));
      const bytes = concat([
        Uint8Array.of(0x43, 0x44, 0x50, 0x53, 0x01),
        rawFrame(1, 0, head),
        rawFrame(2, 0, encoder.encode('alert(1)')),
        rawFrame(3, 0, new Uint8Array(8)),
        rawFrame(0x0f, 0, Uint8Array.of(0, 1)),
      ]);
      const events = readAll(bytes);
      expect(events).toEqual([{ type: 'abort', part: 0, reason: 'ignored: url is not a same-origin path' }, { type: 'fin', parts: 1 }]);
    }
  });

  it('rejects malformed streams with BAD_FRAME', () => {
    const good = writeStream([page]);
    const cases: [string, Uint8Array][] = [
      ['bad magic', Uint8Array.of(0x43, 0x44, 0x50, 0x53, 0x02)],
      ['unknown type', concat([good.subarray(0, 5), Uint8Array.of(0x09, 0, 0, 0, 0, 0, 0)])],
      ['frame over 1 MiB', concat([good.subarray(0, 5), Uint8Array.of(0x02, 0, 0, 0, 0x10, 0, 1)])],
      ['data before head', concat([good.subarray(0, 5), Uint8Array.of(0x02, 0, 0, 0, 0, 0, 1, 0x41)])],
      ['bad head json', concat([good.subarray(0, 5), Uint8Array.of(0x01, 0, 0, 0, 0, 0, 1, 0x7b)])],
      ['bytes after fin', concat([good, Uint8Array.of(0)])],
      ['short END', concat([good.subarray(0, 5), Uint8Array.of(0x03, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0)])],
    ];
    for (const [name, bytes] of cases) {
      const reader = new PushStreamReader();
      let error: unknown;
      try {
        reader.push(bytes);
      } catch (caught) {
        error = caught;
      }
      expect(error, name).toBeInstanceOf(CacheDigestError);
      expect((error as CacheDigestError).code, name).toBe('BAD_FRAME');
      // A failed reader stays failed.
      expect(() => reader.push(Uint8Array.of(0))).toThrow(CacheDigestError);
    }
  });

  it('refuses an oversized frame from its header, before buffering it', () => {
    const reader = new PushStreamReader();
    reader.push(Uint8Array.of(0x43, 0x44, 0x50, 0x53, 0x01));
    expect(() => reader.push(Uint8Array.of(0x01, 0, 0, 0xff, 0xff, 0xff, 0xff))).toThrow(/exceeds the 1 MiB limit/);
  });

  it('never throws anything but CacheDigestError on random or mutated input (fuzz)', () => {
    const good = writeStream([page, css], { maxDataFrameBytes: 16 });
    const mutated = fc
      .array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
      .map((edits) => {
        const copy = good.slice();
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      });
    const random = fc.uint8Array({ maxLength: 300 }).map((tail) => concat([good.subarray(0, 5), tail]));
    fc.assert(
      fc.property(fc.oneof(mutated, random), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
        try {
          const { parts } = collect(readAll(bytes, [chunk]));
          // Whatever survives must be a same-origin path.
          for (const part of parts.values()) if (part.head) expect(part.head.url.startsWith('/')).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(CacheDigestError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses writer misuse with BAD_ARGUMENT', () => {
    const writer = new PushStreamWriter();
    writer.head(0, page.head);
    const misuse: [string, () => unknown][] = [
      ['part reused', () => writer.head(0, page.head)],
      ['data for unopened part', () => writer.data(5, css.body)],
      ['cross-origin url', () => writer.head(1, { ...css.head, url: 'https://evil.example/x' })],
      ['protocol-relative url', () => writer.head(1, { ...css.head, url: '//evil.example/x' })],
      ['bad status', () => writer.head(1, { ...css.head, status: 42 })],
      ['header injection', () => writer.head(1, { ...css.head, headers: { 'x-a': 'b\r\nset-cookie: c' } })],
      ['part out of range', () => writer.head(70000, css.head)],
      ['fin with open part', () => writer.fin()],
    ];
    for (const [name, call] of misuse) {
      expect(call, name).toThrow(CacheDigestError);
    }
  });
});
