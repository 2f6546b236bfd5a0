// Internal: a 64-bit hash prefix cut down to the digest's width. Widths up to
// 53 bits are exact in a double and take the fast numeric path; wider ones
// (up to 62) use BigInt.

/** Largest width whose values a double holds exactly. */
export const MAX_NUMBER_BITS = 53;

/** The top `bits` bits (0 to 53) of hi:lo as a number. */
export function truncateToNumber(hi: number, lo: number, bits: number): number {
  if (bits === 0) return 0;
  if (bits <= 32) return hi >>> (32 - bits);
  return (hi >>> 0) * 2 ** (bits - 32) + (lo >>> (64 - bits));
}

/** The top `bits` bits (0 to 64) of hi:lo as a bigint. */
export function truncateToBigInt(hi: number, lo: number, bits: number): bigint {
  return ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) >> BigInt(64 - bits);
}
