import {
  base64urlEncode,
  encodeHashesNarrow,
  entriesWithin,
  formatCacheDigestHeader,
  largestPBitsWithin,
  MAX_DIGEST_ENTRIES,
  type CacheDigestHeaderInput,
} from '@cache-digest/shared';
import type { IndexEntry } from './index-entry.ts';

/** How {@link encodeWithinBudget} spends its characters. */
export interface DigestBudgetOptions {
  /** Most characters of the whole header value. */
  maxChars: number;
  /** Lowest log2(P) worth sending; below it entries are left out instead. */
  minPBits: number;
  /** Highest log2(P) used. */
  maxPBits: number;
  /** True for URLs of the site's current pages' assets: kept first when entries must be left out. */
  isCurrent?: (url: string) => boolean;
}

/** What {@link encodeWithinBudget} produced. */
export interface BudgetedDigest {
  header: string;
  /** log2(P) of both members. */
  pBits: number;
  /** Entries in each member (fewer than given when some had to be left out). */
  fresh: number;
  stale: number;
  /** True when every given entry is in the header. */
  whole: boolean;
}

/** `; complete` */
const FRESH_FLAGS = 10;
/** `, ` + `; validators; stale` */
const STALE_FLAGS = 21;

/**
 * The `Cache-Digest` value of `fresh` (keyed by URL) and `stale` (keyed by
 * URL + ETag, sent only when non-empty) within `maxChars` and
 * {@link MAX_DIGEST_ENTRIES} entries: at the largest
 * log2(P) from `maxPBits` down to `minPBits` at which all entries fit; when
 * even `minPBits` does not, at `minPBits` with as many entries as fit, the
 * site's current assets first, then the most recently used. The fresh
 * member says `complete` only when it holds every fresh entry. Undefined when
 * not even one entry fits.
 */
export function encodeWithinBudget(fresh: readonly IndexEntry[], stale: readonly IndexEntry[], options: DigestBudgetOptions): BudgetedDigest | undefined {
  const { maxChars, minPBits, maxPBits } = options;
  const overhead = (stale.length > 0 ? STALE_FLAGS : 0) + FRESH_FLAGS;
  const estimate = largestPBitsWithin(stale.length > 0 ? [fresh.length, stale.length] : [fresh.length], maxChars, { minPBits, maxPBits, overhead });
  // More entries than the server reads would make it skip the digest: rank and cut instead.
  if (estimate !== undefined && fresh.length + stale.length <= MAX_DIGEST_ENTRIES) {
    // The estimate is pessimistic: try one step above it, then step down on the real length.
    for (let pBits = Math.min(maxPBits, estimate + 1); pBits >= minPBits; pBits--) {
      const header = encodeMembers(fresh, stale, pBits, true);
      if (header.length <= maxChars) return { header, pBits, fresh: fresh.length, stale: stale.length, whole: true };
    }
  }
  return encodeRanked(fresh, stale, options);
}

/** At `minPBits`, the longest prefix of the entries ranked by use that fits. */
function encodeRanked(fresh: readonly IndexEntry[], stale: readonly IndexEntry[], options: DigestBudgetOptions): BudgetedDigest | undefined {
  const { maxChars, minPBits: pBits } = options;
  const isCurrent = options.isCurrent ?? (() => false);
  const ranked = [...fresh.map((entry) => ({ entry, stale: false })), ...stale.map((entry) => ({ entry, stale: true }))]
    .map((item) => ({ ...item, current: isCurrent(item.entry.url) }))
    .sort((a, b) => Number(b.current) - Number(a.current) || b.entry.lastUsed - a.entry.lastUsed);
  // Both members may be present: give the estimate their overhead, then shrink on the real length.
  let count = Math.min(ranked.length, MAX_DIGEST_ENTRIES, entriesWithin(maxChars - STALE_FLAGS - FRESH_FLAGS - 4, pBits));
  while (count > 0) {
    const chosen = ranked.slice(0, count);
    const f = chosen.filter((item) => !item.stale).map((item) => item.entry);
    const s = chosen.filter((item) => item.stale).map((item) => item.entry);
    const header = encodeMembers(f, s, pBits, f.length === fresh.length);
    if (header.length <= maxChars) return { header, pBits, fresh: f.length, stale: s.length, whole: false };
    count = Math.floor(count * 0.97);
  }
  return undefined;
}

/** Both members at `pBits`; the stale one only when it has entries. */
export function encodeMembers(fresh: readonly IndexEntry[], stale: readonly IndexEntry[], pBits: number, complete: boolean): string {
  const members: CacheDigestHeaderInput[] = [{ digest: encode(fresh, pBits, false), complete }];
  if (stale.length > 0) members.push({ digest: encode(stale, pBits, true), stale: true, validators: true });
  return formatCacheDigestHeader(members);
}

function encode(entries: readonly IndexEntry[], pBits: number, byKey: boolean): string {
  const hashes = new Uint32Array(entries.length * 2);
  let i = 0;
  for (const entry of entries) {
    hashes[i++] = byKey ? entry.keyHi : entry.urlHi;
    hashes[i++] = byKey ? entry.keyLo : entry.urlLo;
  }
  return base64urlEncode(encodeHashesNarrow(hashes, { pBits }));
}
