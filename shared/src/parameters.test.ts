import { describe, expect, it } from 'vitest';
import { base64urlEncode } from './base64url.ts';
import { encodeHashes } from './encode.ts';
import { entriesWithin, estimateDigestChars, largestPBitsWithin, MAX_USEFUL_P_BITS, MIN_USEFUL_P_BITS } from './parameters.ts';

/** The real base64url length of `count` random 64-bit hashes encoded at `pBits`. */
function realChars(count: number, pBits: number, seed: number): number {
  const hashes = new Uint32Array(count * 2);
  let state = seed;
  for (let i = 0; i < hashes.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    hashes[i] = state;
  }
  return base64urlEncode(encodeHashes(hashes, { pBits })).length;
}

describe('budget helpers', () => {
  it('estimateDigestChars is a slight overestimate of real encodings', () => {
    for (const [count, pBits] of [[1, 7], [100, 16], [1000, 7], [3000, 5], [10_000, 8]] as const) {
      const estimate = estimateDigestChars(count, pBits);
      for (let seed = 1; seed <= 3; seed++) {
        const real = realChars(count, pBits, seed * 7919 + count);
        expect(real).toBeLessThanOrEqual(estimate);
        if (count >= 100) expect(real).toBeGreaterThan(estimate * 0.9);
      }
    }
  });

  it('largestPBitsWithin: the largest P whose members plus overhead fit, within the floor and ceiling', () => {
    expect(largestPBitsWithin([100], 1400)).toBe(MAX_USEFUL_P_BITS);
    const p = largestPBitsWithin([700, 100], 1400, { overhead: 31 })!;
    expect(estimateDigestChars(700, p) + estimateDigestChars(100, p) + 31).toBeLessThanOrEqual(1400);
    expect(estimateDigestChars(700, p + 1) + estimateDigestChars(100, p + 1) + 31).toBeGreaterThan(1400);
    expect(largestPBitsWithin([3000], 1400)).toBeUndefined();
    expect(largestPBitsWithin([3000], 1400, { minPBits: 1 })).toBeUndefined();
    expect(largestPBitsWithin([3000], 5000, { minPBits: MIN_USEFUL_P_BITS, maxPBits: 7 })).toBe(7);
  });

  it('entriesWithin: the most entries whose estimate fits, and one more does not', () => {
    for (const pBits of [5, 7, 12]) {
      const count = entriesWithin(1400, pBits);
      expect(count).toBeGreaterThan(0);
      expect(estimateDigestChars(count, pBits)).toBeLessThanOrEqual(1400);
      expect(estimateDigestChars(count + 1, pBits)).toBeGreaterThan(1400);
    }
    expect(entriesWithin(1, 7)).toBe(0);
  });
});
