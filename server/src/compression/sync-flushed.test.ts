import { describe, expect, it } from 'vitest';
import { deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import { crc32, GzipSplicer } from '@cache-digest/shared';
import { syncFlushed } from './sync-flushed.ts';
import { webDeflate } from './web-deflate.ts';

// Text that compresses (dynamic Huffman blocks, long matches), short text (fixed Huffman), and random bytes (stored blocks).
const encoder = new TextEncoder();
const text = encoder.encode(Array.from({ length: 3000 }, (_, i) => `export const value${i % 97} = compute(${i}, "item-${i % 13}");\n`).join(''));
const random = Uint8Array.from({ length: 70_000 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 13) & 0xff);
const inputs = { text, short: encoder.encode('abc'), random, empty: new Uint8Array(0) };

describe('syncFlushed', () => {
  it('turns any finished raw deflate (web CompressionStream and zlib at every strategy) into a piece that decodes alone and joins others in one gzip member', async () => {
    for (const [name, bytes] of Object.entries(inputs)) {
      const finished = [new Uint8Array(await new Response(new Response(bytes).body!.pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer())];
      for (const level of [0, 1, 6, 9]) finished.push(deflateRawSync(bytes, { level }));
      finished.push(deflateRawSync(bytes, { strategy: 4 })); // Z_FIXED: fixed Huffman blocks only
      for (const deflated of finished) {
        const piece = syncFlushed(deflated);
        // A sync flush's end, and no final block: what a zlib sync flush gives.
        expect([...piece.subarray(-4)], name).toEqual([0, 0, 0xff, 0xff]);
        expect(inflateRawSync(piece, { finishFlush: 2 }).equals(Buffer.from(bytes)), name).toBe(true);
      }
    }
    // Pieces made apart, joined with stored bytes between them, decode as one gzip member.
    const gzip = new GzipSplicer();
    const parts: Uint8Array[] = [];
    const expected: Uint8Array[] = [];
    for (const bytes of [text, random, inputs.short, text]) {
      parts.push(gzip.piece({ deflated: await webDeflate(bytes), length: bytes.byteLength, crc: crc32(bytes) }));
      parts.push(gzip.stored(encoder.encode('|between|')));
      expected.push(bytes, encoder.encode('|between|'));
    }
    parts.push(gzip.finish());
    expect(gunzipSync(Buffer.concat(parts)).equals(Buffer.concat(expected))).toBe(true);
    // Text shrinks (a quarter here), as a level-6 deflate does.
    expect((await webDeflate(text)).byteLength * 4).toBeLessThan(text.byteLength);
  });

  it('refuses bytes that are not a complete deflate stream with a RangeError', () => {
    const whole = deflateRawSync(Buffer.from(text));
    for (const bad of [new Uint8Array(0), whole.subarray(0, whole.byteLength >> 1), Uint8Array.of(0x07), Uint8Array.of(0x00, 0x05, 0x00, 0x05, 0x00)]) {
      expect(() => syncFlushed(bad)).toThrow(RangeError);
    }
  });
});
