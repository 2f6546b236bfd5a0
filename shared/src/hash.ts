import { sha256Prefix } from './sha256.ts';

/** The first 64 bits of a SHA-256 hash, as two unsigned 32-bit words (big-endian order). */
export interface Hash64 {
  hi: number;
  lo: number;
}

/** A function that maps a digest key to its 64-bit hash prefix; inject a faster one where the platform has it. */
export type KeyHasher = (key: string) => Hash64;

/**
 * The string a digest hashes for one entry: the absolute URL, followed with
 * nothing in between by the ETag exactly as sent on the wire (quotes and any
 * `W/` included) when validators are in use.
 */
export function digestKey(url: string, etag?: string): string {
  return etag === undefined ? url : url + etag;
}

let scratch = new Uint8Array(256);
const encoder = new TextEncoder();

/** UTF-8 bytes of `key`; ASCII keys (every percent-encoded URL) skip TextEncoder's allocation. */
export function keyBytes(key: string): Uint8Array {
  const length = key.length;
  if (length > scratch.length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  for (let i = 0; i < length; i++) {
    const c = key.charCodeAt(i);
    if (c > 127) return encoder.encode(key);
    scratch[i] = c;
  }
  return scratch.subarray(0, length);
}

/** The 64-bit SHA-256 prefix of a key, synchronously, in pure JavaScript (browsers, workers, Node). */
export const hashKey: KeyHasher = (key) => sha256Prefix(keyBytes(key));

/** The 64-bit SHA-256 prefix of a key with WebCrypto (`crypto.subtle`), for callers that prefer it. */
export async function hashKeyAsync(key: string): Promise<Hash64> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(key));
  const view = new DataView(digest);
  return { hi: view.getUint32(0), lo: view.getUint32(4) };
}
