import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipSplicer } from '@cache-digest/shared';
import { DeflatedFrames } from './deflated-frames.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
// A part HEAD as the stream writes it (JSON), different per asset.
const head = (n: number): Uint8Array =>
  encode(JSON.stringify({ url: `/assets/module-${n.toString(36).padStart(8, '0')}.js`, status: 200, headers: { 'content-type': 'text/javascript', etag: `"${n}-abcdef"` } }));

describe('DeflatedFrames (HEADs deflated against the bytes before them)', () => {
  it('a hit gives the very piece a miss made: same gzip bytes, decoding to the frame', () => {
    const frames = new DeflatedFrames();
    const dictionary = encode(`${new TextDecoder().decode(head(1))}body bytes of the previous asset`);
    const first = frames.piece(head(2), dictionary)!;
    expect(first.deflated.byteLength).toBeLessThan(head(2).byteLength);
    expect(Buffer.from(inflateRawSync(first.deflated, { dictionary, finishFlush: constants.Z_SYNC_FLUSH })).equals(Buffer.from(head(2)))).toBe(true);
    // Equal bytes in other arrays (as every request makes them): a hit, the same piece.
    const again = frames.piece(new Uint8Array(head(2)), new Uint8Array(dictionary))!;
    expect(again).toBe(first);
    expect(frames.size).toBe(1);
    // Spliced into a gzip member after the dictionary bytes, a hit's wire bytes equal a fresh deflate's.
    const member = (piece: typeof first) => {
      const gzip = new GzipSplicer();
      return Buffer.concat([gzip.stored(dictionary), gzip.piece(piece), gzip.finish()]);
    };
    const fresh = new DeflatedFrames().piece(head(2), dictionary)!;
    expect(member(again).equals(member(fresh))).toBe(true);
    expect(gunzipSync(member(again)).equals(Buffer.concat([dictionary, head(2)]))).toBe(true);
  });

  it('the same frame after other bytes is another entry; a frame deflate cannot shrink is remembered as none', () => {
    const frames = new DeflatedFrames();
    const a = frames.piece(head(3), head(2))!;
    const b = frames.piece(head(3), head(1))!;
    expect(a).not.toBe(b);
    // The length is part of the key: the empty dictionary and no dictionary bytes at all do not meet a longer one.
    expect(frames.piece(head(3), new Uint8Array(0))).toBeDefined();
    expect(frames.size).toBe(3);
    const noise = Uint8Array.from({ length: 200 }, (_, i) => (i * 2654435761) >>> 24);
    expect(frames.piece(noise, new Uint8Array(0))).toBeUndefined();
    expect(frames.piece(noise, new Uint8Array(0))).toBeUndefined();
    expect(frames.size).toBe(4);
  });

  it('stays within its entry and byte bounds, least recently used out, and keeps no frame or dictionary bytes', () => {
    const byEntries = new DeflatedFrames(16, 1024 * 1024);
    const kept = byEntries.piece(head(0), new Uint8Array(0));
    for (let n = 1; n < 200; n++) {
      byEntries.piece(head(n), head(n - 1));
      // Used often: stays.
      expect(byEntries.piece(head(0), new Uint8Array(0))).toBe(kept);
      expect(byEntries.size).toBeLessThanOrEqual(16);
    }
    expect(byEntries.size).toBe(16);

    const maxBytes = 8 * 1024;
    const byBytes = new DeflatedFrames(2048, maxBytes);
    // Large HEADs (long header values), each after a 2 KiB dictionary: keys built from bytes would hold 4 KiB apiece.
    const big = (n: number) => encode(`${'x'.repeat(n % 7)}{"url":"/p${n}","headers":{"link":"${Array.from({ length: 60 }, (_, i) => `</a/${(n * 131 + i * 7919) % 100003}.js>`).join(',')}"}}`);
    const dictionary = (n: number) => encode(String(n).repeat(2048).slice(0, 2048));
    for (let n = 0; n < 500; n++) {
      byBytes.piece(big(n), dictionary(n));
      expect(byBytes.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(byBytes.size).toBeGreaterThan(0);
    expect(byBytes.size).toBeLessThan(maxBytes / 160);
    // Everything counted is in `bytes`: what is kept per entry is the deflated piece (far below frame + dictionary).
    expect(byBytes.bytes / byBytes.size).toBeLessThan(big(1).byteLength);
    // The newest is still a hit.
    const last = byBytes.piece(big(499), dictionary(499));
    expect(byBytes.piece(big(499), dictionary(499))).toBe(last);

    // An entry larger than the whole bound is not kept (and evicts nothing).
    const tiny = new DeflatedFrames(2048, 100);
    expect(tiny.piece(head(5), head(4))).toBeDefined();
    expect(tiny.size).toBe(0);
    expect(tiny.bytes).toBe(0);
  });
});
