import { DEFAULT_P_BITS, MAX_DIGEST_ENTRIES, MAX_DIGEST_HEADER_LENGTH, MAX_USEFUL_P_BITS, MIN_USEFUL_P_BITS, nBitsForCount } from '@cache-digest/shared';
import { encodeMembers, encodeWithinBudget, type BudgetedDigest } from './encode-within-budget.ts';
import type { IndexEntry } from './index-entry.ts';

/** Limits of what the worker keeps. */
export interface StorageBudget {
  /** Most entries kept; default 2,000. */
  maxEntries: number;
  /** Most body bytes kept; default 50 MiB. */
  maxBytes: number;
}

/** The digests of one moment: the header value, and how many entries each member holds. */
export interface DigestSnapshot {
  /** `Cache-Digest` header value: `<fresh>[; complete][, <stale>; validators; stale]`. */
  header: string;
  /** Entries in each member of the header (with a budget, perhaps fewer than the index holds). */
  fresh: number;
  stale: number;
  /** log2(P) the header was encoded at. */
  pBits: number;
  /** False when entries had to be left out to fit the budget (then the fresh member may lack `complete`). */
  whole: boolean;
  /** Epoch ms at which the first fresh entry moves to the stale digest (the header changes by itself); undefined without fresh entries. */
  changesAt?: number;
}

/** Options of {@link DigestIndex.digest}. */
export interface DigestOptions {
  /** log2(P) without a budget; default 7. */
  pBits?: number;
  /** Entries expiring within this many ms count as stale. */
  marginMs?: number;
  /** Most characters of the header value; 0 or absent = no budget. */
  budget?: number;
  /** With a budget: the floor of log2(P); default {@link MIN_USEFUL_P_BITS}. */
  minPBits?: number;
  /** With a budget: the ceiling of log2(P); default {@link MAX_USEFUL_P_BITS}. */
  maxPBits?: number;
  /** With a budget: the URLs kept first when entries must be left out (the site's current assets). */
  isCurrent?: (url: string) => boolean;
}

/**
 * The in-memory index of the worker's cache: every entry with its
 * precomputed hashes, kept in step with the Cache API by the worker. Builds
 * the navigation's digests by copying hashes into a reused buffer and
 * Golomb-coding them; nothing is hashed and the Cache API is not read.
 */
export class DigestIndex {
  private readonly entryMap = new Map<string, IndexEntry>();
  private bodyBytes = 0;

  /** Number of entries. */
  get size(): number {
    return this.entryMap.size;
  }

  /** Sum of the entries' body sizes. */
  get totalBytes(): number {
    return this.bodyBytes;
  }

  get(url: string): IndexEntry | undefined {
    return this.entryMap.get(url);
  }

  /** Adds or replaces the entry for its URL. */
  set(entry: IndexEntry): void {
    const previous = this.entryMap.get(entry.url);
    if (previous) this.bodyBytes -= previous.size;
    this.entryMap.set(entry.url, entry);
    this.bodyBytes += entry.size;
  }

  delete(url: string): boolean {
    const previous = this.entryMap.get(url);
    if (!previous) return false;
    this.bodyBytes -= previous.size;
    return this.entryMap.delete(url);
  }

  clear(): void {
    this.entryMap.clear();
    this.bodyBytes = 0;
  }

  values(): IterableIterator<IndexEntry> {
    return this.entryMap.values();
  }

  /**
   * The digests at time `now`: entries fresh beyond `now + marginMs` go into
   * the fresh digest (keyed by URL); the rest into the stale validators
   * digest (keyed by URL + ETag), sent only when there are any. With a
   * `budget` (characters of the whole value; 0 = none), log2(P) is the
   * largest from `maxPBits` to `minPBits` that fits it, and when even
   * `minPBits` does not fit, the entries `isCurrent` names go first, then the
   * most recently used (see {@link encodeWithinBudget}). Without one, the
   * digests use `pBits`; either way the value never exceeds what the server
   * accepts ({@link MAX_DIGEST_HEADER_LENGTH} characters,
   * {@link MAX_DIGEST_ENTRIES} entries).
   */
  digest(now: number, options: DigestOptions = {}): DigestSnapshot {
    const horizon = now + (options.marginMs ?? 0);
    const fresh: IndexEntry[] = [];
    const stale: IndexEntry[] = [];
    let firstExpiry = Number.POSITIVE_INFINITY;
    for (const entry of this.entryMap.values()) {
      if (entry.freshUntil > horizon) {
        if (entry.freshUntil < firstExpiry) firstExpiry = entry.freshUntil;
        fresh.push(entry);
      } else {
        stale.push(entry);
      }
    }
    const snapshot: DigestSnapshot = encodeDigests(fresh, stale, options);
    if (Number.isFinite(firstExpiry)) snapshot.changesAt = firstExpiry - (horizon - now);
    return snapshot;
  }

  /** URLs to evict, least recently used first, so that the index fits `budget`. */
  evictionCandidates(budget: StorageBudget): string[] {
    if (this.entryMap.size <= budget.maxEntries && this.bodyBytes <= budget.maxBytes) return [];
    const byAge = [...this.entryMap.values()].sort((a, b) => a.lastUsed - b.lastUsed);
    const victims: string[] = [];
    let count = this.entryMap.size;
    let bytes = this.bodyBytes;
    for (const entry of byAge) {
      if (count <= budget.maxEntries && bytes <= budget.maxBytes) break;
      victims.push(entry.url);
      count--;
      bytes -= entry.size;
    }
    return victims;
  }
}

/** The fresh and stale digests as one header value, within the budget when there is one (see {@link DigestIndex.digest}). */
function encodeDigests(fresh: readonly IndexEntry[], stale: readonly IndexEntry[], options: DigestOptions): BudgetedDigest {
  const budget = options.budget ?? 0;
  // An empty index sends the reference empty digest (`AcA; complete`): P does not matter there.
  if (budget > 0 && fresh.length + stale.length > 0) {
    const budgeted = withinBudget(fresh, stale, Math.min(budget, MAX_DIGEST_HEADER_LENGTH), options);
    if (budgeted) return budgeted;
  }
  const pBits = options.pBits ?? DEFAULT_P_BITS;
  // The worker encodes up to log2(N) + log2(P) = 53 (encodeHashesNarrow). A set too large for that at `pBits`
  // (millions of entries) makes megabytes, never sent as is (below): a smaller P keeps it encodable.
  const fixedPBits = Math.min(pBits, 53 - nBitsForCount(Math.max(fresh.length, stale.length)));
  const fixed = { header: encodeMembers(fresh, stale, fixedPBits, true), fresh: fresh.length, stale: stale.length, pBits: fixedPBits, whole: true };
  if (fixed.header.length <= MAX_DIGEST_HEADER_LENGTH && fresh.length + stale.length <= MAX_DIGEST_ENTRIES) return fixed;
  // No budget, but too long or too many for the server: the same ranking, at most at `pBits`.
  const floor = Math.min(pBits, options.minPBits ?? MIN_USEFUL_P_BITS);
  return withinBudget(fresh, stale, MAX_DIGEST_HEADER_LENGTH, { ...options, minPBits: floor, maxPBits: pBits }) ?? fixed;
}

function withinBudget(fresh: readonly IndexEntry[], stale: readonly IndexEntry[], maxChars: number, options: DigestOptions): BudgetedDigest | undefined {
  const minPBits = options.minPBits ?? MIN_USEFUL_P_BITS;
  const maxPBits = Math.max(minPBits, options.maxPBits ?? MAX_USEFUL_P_BITS);
  return encodeWithinBudget(fresh, stale, { maxChars, minPBits, maxPBits, isCurrent: options.isCurrent });
}
