import { readBounded } from './read-bounded.ts';

// Deflate's window: a delta can refer back this far into its base, no further.
const WINDOW_BYTES = 32 * 1024;

/**
 * Decodes a delta part's body (docs/push-stream.md, Delta parts): `delta` is
 * raw deflate made with `base` as preset dictionary. The browser's own
 * `DecompressionStream('deflate-raw')` has no dictionary input, so it is fed
 * one stream: a non-final stored block holding the base's last 32 KiB, then
 * the delta, whose back references then land in those bytes; the output
 * after them is the body. Rejects when it does not decode or the body
 * exceeds `limit` bytes. The caller verifies the body (Content-Digest).
 */
export async function decodeDelta(base: Uint8Array, delta: Uint8Array, limit: number): Promise<Uint8Array> {
  const dictionary = base.subarray(Math.max(0, base.byteLength - WINDOW_BYTES));
  const size = dictionary.byteLength;
  // BFINAL 0, BTYPE 00 (stored), byte-aligned; LEN and its one's complement NLEN, little-endian.
  const stored = new Uint8Array(5 + size);
  stored.set([0, size & 255, size >> 8, ~size & 255, (~size >> 8) & 255]);
  stored.set(dictionary, 5);
  const decoder = new DecompressionStream('deflate-raw');
  const input = decoder.writable.getWriter();
  // A delta that does not decode fails the read below; these writes' own rejection says the same.
  Promise.all([input.write(stored), input.write(delta as Uint8Array<ArrayBuffer>), input.close()]).catch(() => undefined);
  const decoded = await readBounded(new Response(decoder.readable), size + limit);
  if (!decoded) throw new Error('delta decodes beyond the entry limit');
  return decoded.subarray(size);
}
