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
  // Gaps are about geometric with mean N·P/count, so each quotient averages 1/(e^(count/N) - 1)
  // (about N - count/2 in all when count is well below N; more when N rounded down); each entry
  // adds its stop bit and remainder.
  const quotients = count / Math.expm1(count / 2 ** nBits);
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

/**
 * Default byte budget of a navigation's whole `Cache-Digest` header value
 * (every member and flag): one header within a ~1,400-byte packet, so a
 * request with its digest stays well inside a new connection's first flight.
 */
export const DEFAULT_DIGEST_BUDGET = 1400;
/**
 * The longest `Cache-Digest` value the server accepts by default (its
 * `maxDigestHeaderLength`; a longer one counts as no digest); the worker
 * never sends more. The default budget (1,400) with room to spare.
 */
export const MAX_DIGEST_HEADER_LENGTH = 2048;
/**
 * The most entries, all members together, the server reads by default (its
 * `maxDigestEntries`; a member past it is skipped); the worker never sends
 * more. Reading one costs about as much as receiving a few header bytes, so
 * this keeps the dearest accepted digest near 2x a request without one
 * (docs/failure-handling.md, "Digest cost").
 */
export const MAX_DIGEST_ENTRIES = 1024;
/**
 * The floor of log2(P) a budgeted digest is encoded at (the deployed default,
 * 1/128). Measured (bench:digest-budget): each bit less doubles the false
 * positives, which at RTT 100 ms costs a page of 30 assets the client lacks
 * about 20 ms more per visit at 2^6 and 50 ms more at 2^5 (a lost round trip,
 * weighted by its chance), while it saves one bit per entry, about 1 ms of a
 * 1 Mbit/s uplink per 1,000 entries. So below the floor the worker leaves
 * the least useful entries out instead (docs/digest-budget.md).
 */
export const MIN_USEFUL_P_BITS = 7;
/**
 * The ceiling of log2(P) a budgeted digest is encoded at: at 1/65,536 a
 * 30-asset page expects one false positive in ~2,000 visits; more bits buy
 * nothing measurable.
 */
export const MAX_USEFUL_P_BITS = 16;

/** Expected length of the base64url text of a digest of `count` entries at log2(P) = `pBits` (pessimistic, see {@link estimateDigestBits}). */
export function estimateDigestChars(count: number, pBits: number): number {
  const bytes = Math.ceil(estimateDigestBits(count, nBitsForCount(count), pBits) / 8);
  return Math.ceil((bytes * 4) / 3);
}

/**
 * The largest log2(P) from `maxPBits` down to `minPBits` at which digests of
 * `counts` entries (one per header member) are expected to fit `maxChars`
 * once `overhead` characters (flags, separators) are added; undefined when
 * even `minPBits` does not. An estimate: callers encode and check.
 */
export function largestPBitsWithin(
  counts: readonly number[],
  maxChars: number,
  options: { minPBits?: number; maxPBits?: number; overhead?: number } = {},
): number | undefined {
  const minPBits = options.minPBits ?? MIN_USEFUL_P_BITS;
  const maxPBits = options.maxPBits ?? MAX_USEFUL_P_BITS;
  const overhead = options.overhead ?? 0;
  for (let pBits = maxPBits; pBits >= minPBits; pBits--) {
    let chars = overhead;
    for (const count of counts) chars += estimateDigestChars(count, pBits);
    if (chars <= maxChars) return pBits;
  }
  return undefined;
}

/** The most entries a digest at log2(P) = `pBits` is expected to hold within `maxChars` characters (0 when none fit). */
export function entriesWithin(maxChars: number, pBits: number): number {
  // Each entry costs at least pBits + 1 bits: an upper bound to search below.
  let high = Math.max(0, Math.floor(((maxChars * 3) / 4) * 8 / (pBits + 1)));
  let low = 0;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (estimateDigestChars(middle, pBits) <= maxChars) low = middle;
    else high = middle - 1;
  }
  return low;
}
