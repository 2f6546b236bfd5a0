import { CacheDigestError } from './errors.ts';

/** Largest log2(P) the 5-bit field and the 62-bit hash width allow. */
export const MAX_P_BITS = 31;
/** Largest log2(N): N must stay below 2^32. */
export const MAX_N_BITS = 31;
/** log2(N) + log2(P) may not exceed this: hashes are truncated from 64 bits and the draft caps the sum at 62. */
export const MAX_HASH_BITS = 62;
/** log2(P) used when the caller gives none: a false-positive rate of 1/128, as deployed clients used. */
export const DEFAULT_P_BITS = 7;

/**
 * log2(N) for a digest of `count` entries: the count rounded to the nearest
 * power of two in the log domain, as the draft says (0 for an empty set).
 */
export function nBitsForCount(count: number): number {
  if (!Number.isInteger(count) || count < 0) {
    throw new CacheDigestError('BAD_ARGUMENT', `entry count must be a non-negative integer, got ${count}`);
  }
  if (count <= 1) return 0;
  const nBits = Math.round(Math.log2(count));
  if (nBits > MAX_N_BITS) throw new CacheDigestError('BAD_PARAMETERS', `${count} entries is more than a digest can hold`);
  return nBits;
}

/** Throws unless `pBits` is an integer log2(P) a digest can carry alongside `nBits`. */
export function checkParameters(nBits: number, pBits: number): void {
  if (!Number.isInteger(pBits) || pBits < 0 || pBits > MAX_P_BITS) {
    throw new CacheDigestError('BAD_PARAMETERS', `log2(P) must be an integer from 0 to ${MAX_P_BITS}, got ${pBits}`);
  }
  if (nBits + pBits > MAX_HASH_BITS) {
    throw new CacheDigestError('BAD_PARAMETERS', `log2(N) + log2(P) = ${nBits + pBits} exceeds ${MAX_HASH_BITS}`);
  }
}

/** What {@link chooseDigestParameters} picked. */
export interface DigestParameters {
  nBits: number;
  pBits: number;
  /** Expected false-positive rate n / (N·P) of a query for an absent URL. */
  falsePositiveRate: number;
  /** Expected size of the digest in bytes (a little pessimistic). */
  estimatedBytes: number;
  /** Expected length of the base64url header value. */
  estimatedHeaderChars: number;
}

/** Default budget: one `cache-digest: <value>; complete` header within a ~1,400-byte packet. */
export const DEFAULT_HEADER_BUDGET = 1400 - 'cache-digest: '.length - '; complete'.length - 2;

/** Expected encoded bits of `count` entries at the given width (Rice code of uniform gaps), with a safety margin. */
export function estimateDigestBits(count: number, nBits: number, pBits: number): number {
  if (count === 0) return 10;
  // Quotients sum to about (range / P) - count/2 = N - count/2; each entry adds its stop bit and remainder.
  const quotients = Math.max(0, 2 ** nBits - count / 2);
  const expected = 10 + count * (pBits + 1) + quotients;
  // A few standard deviations of the quotient sum, so "fits" holds for almost every actual set.
  return Math.ceil(expected + 3 * Math.sqrt(count) + 8);
}

/**
 * The largest P such that a digest of `count` entries fits `maxBytes`
 * bytes of base64url header value (default: one header in a ~1,400-byte packet), with
 * its expected false-positive rate. Throws `BAD_ARGUMENT` when even P = 1
 * does not fit.
 */
export function chooseDigestParameters(count: number, options: { maxBytes?: number; maxPBits?: number } = {}): DigestParameters {
  const maxBytes = options.maxBytes ?? DEFAULT_HEADER_BUDGET;
  const nBits = nBitsForCount(count);
  const ceiling = Math.min(options.maxPBits ?? MAX_P_BITS, MAX_P_BITS, MAX_HASH_BITS - nBits);
  for (let pBits = ceiling; pBits >= 0; pBits--) {
    const bits = estimateDigestBits(count, nBits, pBits);
    const bytes = Math.ceil(bits / 8);
    const chars = Math.ceil((bytes * 4) / 3);
    if (chars <= maxBytes) {
      const falsePositiveRate = count === 0 ? 0 : Math.min(1, count / 2 ** (nBits + pBits));
      return { nBits, pBits, falsePositiveRate, estimatedBytes: bytes, estimatedHeaderChars: chars };
    }
  }
  throw new CacheDigestError('BAD_ARGUMENT', `${count} entries do not fit ${maxBytes} bytes at any P`);
}
