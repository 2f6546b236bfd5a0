import { BitReader } from './bits.ts';
import { CacheDigestError } from './errors.ts';
import { digestKey, hashKey, type Hash64, type KeyHasher } from './hash.ts';
import { MAX_HASH_BITS } from './parameters.ts';
import { MAX_NUMBER_BITS, truncateToBigInt, truncateToNumber } from './truncate.ts';

/** Default bound on a digest's size in bytes: 64 KiB. */
export const DEFAULT_MAX_DIGEST_BYTES = 64 * 1024;

/** Options of {@link decodeDigest}. */
export interface DecodeOptions {
  /** Refuse larger input with `TOO_LARGE`; default 64 KiB. */
  maxBytes?: number;
  /** The key hasher used by {@link Digest.has}; default the pure-JS SHA-256 prefix. */
  hash?: KeyHasher;
  /** Refuse a digest holding more values with `TOO_LARGE` (checked while decoding, so the cost stays bounded); default unbounded. */
  maxEntries?: number;
}

/**
 * A decoded digest: its parameters and its sorted values, queryable in
 * O(log n). Values up to 53 bits wide are kept as doubles, wider ones as
 * 64-bit integers.
 */
export class Digest {
  /** log2(N). */
  readonly nBits: number;
  /** log2(P). */
  readonly pBits: number;
  readonly #values: readonly number[] | BigUint64Array;
  readonly #hash: KeyHasher;

  /** @internal Use {@link decodeDigest}. */
  constructor(nBits: number, pBits: number, values: readonly number[] | BigUint64Array, hash: KeyHasher) {
    this.nBits = nBits;
    this.pBits = pBits;
    this.#values = values;
    this.#hash = hash;
  }

  /** Number of distinct values held. */
  get size(): number {
    return this.#values.length;
  }

  /** Width in bits of every value: log2(N) + log2(P). */
  get bits(): number {
    return this.nBits + this.pBits;
  }

  /** Whether the digest holds `url` (with `etag`, for a validators digest). False positives occur at about n/(N·P). */
  has(url: string, etag?: string): boolean {
    return this.hasHash(this.#hash(digestKey(url, etag)));
  }

  /** Whether the digest holds the key whose 64-bit hash prefix is `hash` (hash once, query many digests). */
  hasHash(hash: Hash64): boolean {
    const values = this.#values;
    if (Array.isArray(values)) return search(values as readonly number[], truncateToNumber(hash.hi, hash.lo, this.bits));
    return search(values as BigUint64Array, truncateToBigInt(hash.hi, hash.lo, this.bits));
  }

  /** The sorted values, as bigints. */
  values(): bigint[] {
    return Array.from(this.#values as ArrayLike<number | bigint>, (v) => BigInt(v));
  }
}

function search<T extends number | bigint>(values: ArrayLike<T>, target: T): boolean {
  let low = 0;
  let high = values.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const v = values[mid]!;
    if (v === target) return true;
    if (v < target) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

/**
 * Decodes draft-02 digest bytes. Time and memory are linear in the input's
 * size; anything malformed is a {@link CacheDigestError}: `TOO_LARGE`,
 * `TRUNCATED` (no room for the parameters, or a remainder cut short),
 * `BAD_PARAMETERS` (log2 N + log2 P over 62) or `VALUE_OUT_OF_RANGE`.
 */
export function decodeDigest(bytes: Uint8Array, options: DecodeOptions = {}): Digest {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DIGEST_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new CacheDigestError('BAD_ARGUMENT', 'digest must be a Uint8Array');
  if (bytes.length > maxBytes) {
    throw new CacheDigestError('TOO_LARGE', `digest of ${bytes.length} bytes exceeds the ${maxBytes}-byte limit`);
  }
  if (bytes.length < 2) throw new CacheDigestError('TRUNCATED', 'digest is shorter than its 10-bit parameter fields');
  const reader = new BitReader(bytes);
  const nBits = reader.read(5);
  const pBits = reader.read(5);
  if (nBits + pBits > MAX_HASH_BITS) {
    throw new CacheDigestError('BAD_PARAMETERS', `log2(N) + log2(P) = ${nBits + pBits} exceeds ${MAX_HASH_BITS}`);
  }
  // Every value costs at least pBits + 1 bits: that bounds the array up front.
  const maxEntries = options.maxEntries ?? Infinity;
  const fits = Math.floor(reader.remaining / (pBits + 1));
  const capacity = Math.min(fits, maxEntries + 1);
  const values = nBits + pBits <= MAX_NUMBER_BITS
    ? decodeNumbers(reader, nBits, pBits, numberScratch(capacity), capacity, capacity < fits)
    : decodeBigInts(reader, nBits, pBits, new BigUint64Array(capacity), capacity < fits);
  if (values.length > maxEntries) throw new CacheDigestError('TOO_LARGE', `digest holds more than ${maxEntries} entries`);
  return new Digest(nBits, pBits, values, options.hash ?? hashKey);
}

// Values are decoded into a scratch array reused across calls, then copied into a plain array: a typed array of
// this size lives outside the JavaScript heap, and a server decoding one per request would pay for its
// allocation and for the full collections that memory outside the heap brings on.
let scratch = new Float64Array(1024);
const MAX_KEPT_SCRATCH = 64 * 1024;

function numberScratch(capacity: number): Float64Array {
  if (capacity <= scratch.length) return scratch;
  if (capacity > MAX_KEPT_SCRATCH) return new Float64Array(capacity);
  scratch = new Float64Array(Math.max(capacity, scratch.length * 2));
  return scratch;
}

function decodeNumbers(reader: BitReader, nBits: number, pBits: number, out: Float64Array, capacity: number, bounded: boolean): number[] {
  // One 32-bit window per field over local state: this loop runs once per entry of every digest a server reads,
  // and a unary quotient of under 25 bits (nearly all of them) is found in the window by one clz32.
  const bytes = reader.bytes;
  const length = bytes.length;
  const total = reader.totalBits;
  const lastWindow = length - 4; // a window starting at or before this byte lies inside the input
  const P = 2 ** pBits;
  const limit = 2 ** (nBits + pBits);
  let pos = reader.position;
  let count = 0;
  let current = -1;
  for (;;) {
    let i = pos >> 3;
    let window = (i <= lastWindow ? (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]! : tailWindow(bytes, i)) << (pos & 7);
    let q: number;
    if (window !== 0) q = Math.clz32(window);
    else {
      // A long run of zero bits: whole bytes; the input ending first is the trailing padding.
      q = 8 - (pos & 7);
      i++;
      while (i < length && bytes[i] === 0) {
        q += 8;
        i++;
      }
      if (i >= length) break;
      q += Math.clz32(bytes[i]!) - 24;
    }
    if (pos + q >= total) break;
    pos += q + 1;
    if (total - pos < pBits) throw new CacheDigestError('TRUNCATED', 'digest ends inside a remainder');
    let remainder = 0;
    const shift = pos & 7;
    if (pBits === 0) remainder = 0;
    else if (shift + pBits <= 32) {
      i = pos >> 3;
      window = i <= lastWindow ? (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]! : tailWindow(bytes, i);
      remainder = (window << shift) >>> (32 - pBits);
    } else {
      reader.position = pos;
      remainder = reader.read(pBits);
    }
    pos += pBits;
    // Exact below 2^53; any sum that rounds is already past the limit.
    current += q * P + remainder + 1;
    if (current >= limit) throw new CacheDigestError('VALUE_OUT_OF_RANGE', `digest value exceeds 2^${nBits + pBits}`);
    out[count++] = current;
    if (count === capacity && bounded) break; // past maxEntries: the caller refuses it, so stop reading
  }
  reader.position = Math.min(pos, total);
  const values = new Array<number>(count);
  for (let k = 0; k < count; k++) values[k] = out[k]!;
  return values;
}

/** The 32-bit big-endian window at byte `i` near the end, zero past it (no out-of-bounds reads: they slow the loop down). */
function tailWindow(bytes: Uint8Array, i: number): number {
  let window = 0;
  for (let k = i; k < i + 4; k++) window = (window << 8) | (k < bytes.length ? bytes[k]! : 0);
  return window;
}

function decodeBigInts(reader: BitReader, nBits: number, pBits: number, out: BigUint64Array, bounded: boolean): BigUint64Array {
  const shift = BigInt(pBits);
  const limit = 1n << BigInt(nBits + pBits);
  let count = 0;
  let current = -1n;
  for (;;) {
    const q = reader.unary();
    if (q < 0) break;
    if (reader.remaining < pBits) throw new CacheDigestError('TRUNCATED', 'digest ends inside a remainder');
    current += (BigInt(q) << shift) + BigInt(reader.read(pBits)) + 1n;
    if (current >= limit) throw new CacheDigestError('VALUE_OUT_OF_RANGE', `digest value exceeds 2^${nBits + pBits}`);
    out[count++] = current;
    if (count === out.length && bounded) break; // past maxEntries: the caller refuses it, so stop reading
  }
  return out.subarray(0, count);
}
