import { parseCacheDigestHeader, MAX_DIGEST_ENTRIES, MAX_DIGEST_HEADER_LENGTH, MIN_USEFUL_P_BITS } from '@cache-digest/shared';
import { describe, expect, it } from 'vitest';
import { DigestIndex } from './digest-index.ts';
import { encodeWithinBudget } from './encode-within-budget.ts';
import { createIndexEntry } from './index-entry.ts';

const NOW = 1_800_000_000_000;
const FRESH = { storable: true, freshUntil: NOW + 60_000, immutable: false, mustRevalidate: false };
const STALE = { ...FRESH, freshUntil: NOW - 1 };
const url = (i: number) => `https://example.com/assets/${i}.js`;

/** An index of `count` entries, entry i last used at NOW - (count - i) (so higher i = more recent); every 10th stale. */
function filled(count: number, staleEvery = 0): DigestIndex {
  const index = new DigestIndex();
  for (let i = 0; i < count; i++) {
    const policy = staleEvery > 0 && i % staleEvery === 0 ? STALE : FRESH;
    index.set(createIndexEntry({ url: url(i), etag: `"e${i}"`, policy, size: 10, now: NOW - (count - i) }));
  }
  return index;
}

describe('DigestIndex.digest with a byte budget', () => {
  it('uses the largest P that fits 1,400 characters, holding every entry, complete', () => {
    const chosen: Record<number, number> = {};
    for (const count of [100, 600]) {
      const index = filled(count, 10);
      const snapshot = index.digest(NOW, { budget: 1400 });
      expect(snapshot.header.length).toBeLessThanOrEqual(1400);
      expect(snapshot).toMatchObject({ fresh: count - count / 10, stale: count / 10, whole: true });
      const [fresh, stale] = parseCacheDigestHeader(snapshot.header);
      expect(fresh!.complete).toBe(true);
      for (let i = 0; i < count; i++) {
        if (i % 10 === 0) expect(stale!.digest.has(url(i), `"e${i}"`)).toBe(true);
        else expect(fresh!.digest.has(url(i))).toBe(true);
      }
      chosen[count] = snapshot.pBits;
      // One bit more does not fit (unless already at the ceiling of 16).
      if (snapshot.pBits < 16) expect(index.digest(NOW, { budget: 1400, minPBits: snapshot.pBits + 1 }).whole).toBe(false);
    }
    expect(chosen[100]).toBe(16);
    expect(chosen[600]).toBeGreaterThan(MIN_USEFUL_P_BITS);
    expect(chosen[600]).toBeLessThan(16);
    // About 8.4 bits per entry in 1,400 characters: not even the floor fits 1,000 entries.
    expect(filled(1000, 10).digest(NOW, { budget: 1400 })).toMatchObject({ pBits: MIN_USEFUL_P_BITS, whole: false });

  });

  it('when the floor does not fit, keeps the current assets, then the most recently used, and drops `complete`', () => {
    const count = 10_000;
    const index = filled(count);
    // The current page's assets are among the oldest entries: the ranking must still keep them.
    const current = new Set(Array.from({ length: 30 }, (_, i) => url(i * 7)));
    const snapshot = index.digest(NOW, { budget: 1400, isCurrent: (u) => current.has(u) });
    expect(snapshot.header.length).toBeLessThanOrEqual(1400);
    expect(snapshot).toMatchObject({ pBits: MIN_USEFUL_P_BITS, whole: false, stale: 0 });
    expect(snapshot.fresh).toBeGreaterThan(800);
    expect(snapshot.fresh).toBeLessThan(count);
    const [member] = parseCacheDigestHeader(snapshot.header);
    expect(member!.complete).toBe(false);
    for (const u of current) expect(member!.digest.has(u)).toBe(true);
    const kept = snapshot.fresh - current.size;
    for (let i = count - kept; i < count; i++) expect(member!.digest.has(url(i))).toBe(true);
    // Older ones were left out: only false positives (about 1/128 at this P, with N rounded) remain.
    let present = 0;
    for (let i = 1; i < 2001; i++) if (!current.has(url(i)) && member!.digest.has(url(i))) present++;
    expect(present).toBeLessThan(60);
  });

  it('with no budget keeps P = pBits, unless that would exceed what the server accepts', () => {
    const small = filled(500).digest(NOW, { pBits: 7 });
    expect(small).toMatchObject({ pBits: 7, whole: true, fresh: 500 });
    const huge = filled(40_000).digest(NOW, { pBits: 7 });
    expect(huge.header.length).toBeLessThanOrEqual(MAX_DIGEST_HEADER_LENGTH);
    expect(huge.pBits).toBeLessThanOrEqual(7);
    expect(huge.whole).toBe(false);
  });

  it('never sends more entries than the server reads, with a budget or without', () => {
    // 1,500 entries at P = 2^5 fit 2,048 characters, but the server skips a digest past MAX_DIGEST_ENTRIES.
    const unbudgeted = filled(1500).digest(NOW, { pBits: 5 });
    const budgeted = filled(1500).digest(NOW, { budget: MAX_DIGEST_HEADER_LENGTH, minPBits: 5, pBits: 5 });
    for (const snapshot of [unbudgeted, budgeted]) {
      expect(snapshot.fresh + snapshot.stale).toBeLessThanOrEqual(MAX_DIGEST_ENTRIES);
      expect(snapshot.fresh + snapshot.stale).toBeGreaterThan(MAX_DIGEST_ENTRIES * 0.9);
      expect(snapshot.whole).toBe(false);
      expect(snapshot.header.length).toBeLessThanOrEqual(MAX_DIGEST_HEADER_LENGTH);
      const members = parseCacheDigestHeader(snapshot.header);
      expect(members.reduce((sum, m) => sum + m.digest.size, 0)).toBeLessThanOrEqual(MAX_DIGEST_ENTRIES);
      expect(members[0]!.complete).toBe(false);
    }
  });

  it('encodeWithinBudget gives up (undefined) only when not one entry fits', () => {
    const entries = [createIndexEntry({ url: url(1), etag: undefined, policy: FRESH, size: 1, now: NOW })];
    expect(encodeWithinBudget(entries, [], { maxChars: 5, minPBits: 5, maxPBits: 16 })).toBeUndefined();
    expect(encodeWithinBudget(entries, [], { maxChars: 64, minPBits: 5, maxPBits: 16 })).toMatchObject({ fresh: 1, whole: true, pBits: 16 });
  });
});
