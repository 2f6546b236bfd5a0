import { BitWriter } from './bits.ts';
import { CacheDigestError } from './errors.ts';
import { digestKey, hashKey, type KeyHasher } from './hash.ts';
import { checkParameters, DEFAULT_P_BITS, nBitsForCount } from './parameters.ts';
import { MAX_NUMBER_BITS, truncateToBigInt, truncateToNumber } from './truncate.ts';

/** One cached response: its absolute URL and, for validators digests, its ETag as sent on the wire. */
export interface DigestEntry {
  url: string;
  etag?: string;
}

/** Options of {@link encodeDigest}. */
export interface EncodeOptions {
  /** log2 of the inverse false-positive rate; default 7 (1/128). */
  pBits?: number;
  /** Hash URL + ETag for entries that have an ETag (a `validators` digest). */
  validators?: boolean;
  /** The key hasher; default the synchronous pure-JS SHA-256 prefix. */
  hash?: KeyHasher;
}

/**
 * Encodes a set of URLs (or URL + ETag entries) as a draft-02 Golomb-coded
 * set. Duplicate keys count once.
 */
export function encodeDigest(entries: Iterable<DigestEntry | string>, options: EncodeOptions = {}): Uint8Array {
  const hash = options.hash ?? hashKey;
  const keys = new Set<string>();
  for (const entry of entries) {
    if (typeof entry === 'string') keys.add(entry);
    else if (entry && typeof entry.url === 'string') {
      keys.add(options.validators && entry.etag !== undefined ? digestKey(entry.url, entry.etag) : entry.url);
    } else {
      throw new CacheDigestError('BAD_ARGUMENT', 'digest entries must be URL strings or { url, etag? } objects');
    }
  }
  const hashes = new Uint32Array(keys.size * 2);
  let i = 0;
  for (const key of keys) {
    const h = hash(key);
    hashes[i++] = h.hi;
    hashes[i++] = h.lo;
  }
  return encodeHashes(hashes, { pBits: options.pBits ?? DEFAULT_P_BITS });
}

/** Default bound on an encoded digest: 16 MiB, far above any header, so a bad `count` cannot exhaust memory. */
export const DEFAULT_MAX_ENCODED_BYTES = 16 * 1024 * 1024;

/**
 * Encodes pre-hashed entries: `hashes` holds each entry's 64-bit SHA-256
 * prefix as two words, hi then lo. `count` (default: the number of hashes)
 * sets N. The array is not modified. A result over `maxBytes` (default
 * 16 MiB) is refused with `TOO_LARGE` before it is allocated.
 */
export function encodeHashes(hashes: Uint32Array, options: EncodeHashesOptions = {}): Uint8Array {
  return encodeHashesWith(hashes, options, encodeBigInts);
}

/**
 * {@link encodeHashes} for log2(N) + log2(P) up to 53 only (a wider set is
 * refused with `BAD_PARAMETERS`): it leaves the BigInt encoder out of a
 * bundle that never needs it (the Service Worker, whose digests stay far
 * below that).
 */
export function encodeHashesNarrow(hashes: Uint32Array, options: EncodeHashesOptions = {}): Uint8Array {
  return encodeHashesWith(hashes, options);
}

/** Options of {@link encodeHashes}. */
export interface EncodeHashesOptions {
  pBits?: number;
  count?: number;
  maxBytes?: number;
}

function encodeHashesWith(hashes: Uint32Array, options: EncodeHashesOptions, wide?: typeof encodeBigInts): Uint8Array {
  if (hashes.length % 2 !== 0) throw new CacheDigestError('BAD_ARGUMENT', 'hashes must hold two words per entry');
  const n = hashes.length / 2;
  const pBits = options.pBits ?? DEFAULT_P_BITS;
  const nBits = nBitsForCount(options.count ?? n);
  checkParameters(nBits, pBits);
  const bits = nBits + pBits;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENCODED_BYTES;
  if (bits <= MAX_NUMBER_BITS) return encodeNumbers(hashes, n, nBits, pBits, maxBytes);
  if (!wide) throw new CacheDigestError('BAD_PARAMETERS', `log2(N) + log2(P) = ${bits} needs encodeHashes`);
  return wide(hashes, n, nBits, pBits, maxBytes);
}

function checkSize(totalBits: number, maxBytes: number): void {
  if (totalBits / 8 > maxBytes) {
    throw new CacheDigestError('TOO_LARGE', `digest would take ${Math.ceil(totalBits / 8)} bytes, over the ${maxBytes}-byte limit`);
  }
}

function encodeNumbers(hashes: Uint32Array, n: number, nBits: number, pBits: number, maxBytes: number): Uint8Array {
  const bits = nBits + pBits;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = truncateToNumber(hashes[2 * i]!, hashes[2 * i + 1]!, bits);
  values.sort();
  const P = 2 ** pBits;
  // First pass sizes the buffer exactly; the second writes it.
  let total = 10;
  let previous = -1;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === previous) continue;
    total += Math.floor((v - previous - 1) / P) + 1 + pBits;
    previous = v;
  }
  checkSize(total, maxBytes);
  const writer = new BitWriter(total);
  writer.write(nBits, 5);
  writer.write(pBits, 5);
  previous = -1;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === previous) continue;
    const d = v - previous - 1;
    const q = Math.floor(d / P);
    writer.unary(q);
    writer.write(d - q * P, pBits);
    previous = v;
  }
  return writer.bytes;
}

function encodeBigInts(hashes: Uint32Array, n: number, nBits: number, pBits: number, maxBytes: number): Uint8Array {
  const bits = nBits + pBits;
  const values = new BigUint64Array(n);
  for (let i = 0; i < n; i++) values[i] = truncateToBigInt(hashes[2 * i]!, hashes[2 * i + 1]!, bits);
  values.sort();
  const shift = BigInt(pBits);
  const mask = (1n << shift) - 1n;
  let total = 10;
  let previous = -1n;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === previous) continue;
    total += Number((v - previous - 1n) >> shift) + 1 + pBits;
    previous = v;
  }
  checkSize(total, maxBytes);
  const writer = new BitWriter(total);
  writer.write(nBits, 5);
  writer.write(pBits, 5);
  previous = -1n;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === previous) continue;
    const d = v - previous - 1n;
    writer.unary(Number(d >> shift));
    writer.write(Number(d & mask), pBits);
    previous = v;
  }
  return writer.bytes;
}
