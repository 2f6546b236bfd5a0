import {
  base64urlEncode,
  encodeHashes,
  formatCacheDigestHeader,
  DEFAULT_P_BITS,
  MAX_DIGEST_HEADER_LENGTH,
  MAX_USEFUL_P_BITS,
  MIN_USEFUL_P_BITS,
  type CacheDigestHeaderInput,
} from '@cache-digest/shared';
import { encodeWithinBudget } from './encode-within-budget.ts';
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
  private readonly entries = new Map<string, IndexEntry>();
  private bytes = 0;
  private freshScratch = new Uint32Array(0);
  private staleScratch = new Uint32Array(0);

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Sum of the entries' body sizes. */
  get totalBytes(): number {
    return this.bytes;
  }

  get(url: string): IndexEntry | undefined {
    return this.entries.get(url);
  }

  /** Adds or replaces the entry for its URL. */
  set(entry: IndexEntry): void {
    const previous = this.entries.get(entry.url);
    if (previous) this.bytes -= previous.size;
    this.entries.set(entry.url, entry);
    this.bytes += entry.size;
  }

  delete(url: string): boolean {
    const previous = this.entries.get(url);
    if (!previous) return false;
    this.bytes -= previous.size;
    return this.entries.delete(url);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  values(): IterableIterator<IndexEntry> {
    return this.entries.values();
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
   * accepts ({@link MAX_DIGEST_HEADER_LENGTH}).
   */
  digest(now: number, options: DigestOptions = {}): DigestSnapshot {
    const budget = options.budget ?? 0;
    const horizon = now + (options.marginMs ?? 0);
    // An empty index sends the reference empty digest (`AcA; complete`): P does not matter there.
    if (budget > 0 && this.entries.size > 0) {
      const budgeted = this.budgeted(now, horizon, Math.min(budget, MAX_DIGEST_HEADER_LENGTH), options);
      if (budgeted) return budgeted;
    }
    const pBits = options.pBits ?? DEFAULT_P_BITS;
    const fixed = this.fixed(now, horizon, pBits);
    if (fixed.header.length <= MAX_DIGEST_HEADER_LENGTH) return fixed;
    // No budget, but too long for the server: the same ranking, at most at `pBits`.
    const floor = Math.min(pBits, options.minPBits ?? MIN_USEFUL_P_BITS);
    return this.budgeted(now, horizon, MAX_DIGEST_HEADER_LENGTH, { ...options, minPBits: floor, maxPBits: pBits }) ?? fixed;
  }

  private budgeted(now: number, horizon: number, maxChars: number, options: DigestOptions): DigestSnapshot | undefined {
    const fresh: IndexEntry[] = [];
    const stale: IndexEntry[] = [];
    let firstExpiry = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) {
      if (entry.freshUntil > horizon) {
        if (entry.freshUntil < firstExpiry) firstExpiry = entry.freshUntil;
        fresh.push(entry);
      } else {
        stale.push(entry);
      }
    }
    const minPBits = options.minPBits ?? MIN_USEFUL_P_BITS;
    const maxPBits = Math.max(minPBits, options.maxPBits ?? MAX_USEFUL_P_BITS);
    const result = encodeWithinBudget(fresh, stale, { maxChars, minPBits, maxPBits, ...(options.isCurrent ? { isCurrent: options.isCurrent } : {}) });
    if (!result) return undefined;
    const snapshot: DigestSnapshot = { header: result.header, fresh: result.fresh, stale: result.stale, pBits: result.pBits, whole: result.whole };
    if (Number.isFinite(firstExpiry)) snapshot.changesAt = firstExpiry - (horizon - now);
    return snapshot;
  }

  private fixed(now: number, horizon: number, pBits: number): DigestSnapshot {
    const words = this.entries.size * 2;
    if (this.freshScratch.length < words) {
      this.freshScratch = new Uint32Array(words);
      this.staleScratch = new Uint32Array(words);
    }
    const fresh = this.freshScratch;
    const stale = this.staleScratch;
    let f = 0;
    let s = 0;
    let firstExpiry = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) {
      if (entry.freshUntil > horizon) {
        if (entry.freshUntil < firstExpiry) firstExpiry = entry.freshUntil;
        fresh[f++] = entry.urlHi;
        fresh[f++] = entry.urlLo;
      } else {
        stale[s++] = entry.keyHi;
        stale[s++] = entry.keyLo;
      }
    }
    const members: CacheDigestHeaderInput[] = [{ digest: base64urlEncode(encodeHashes(fresh.subarray(0, f), { pBits })), complete: true }];
    if (s > 0) {
      members.push({ digest: base64urlEncode(encodeHashes(stale.subarray(0, s), { pBits })), stale: true, validators: true });
    }
    const snapshot: DigestSnapshot = { header: formatCacheDigestHeader(members), fresh: f / 2, stale: s / 2, pBits, whole: true };
    if (Number.isFinite(firstExpiry)) snapshot.changesAt = firstExpiry - (horizon - now);
    return snapshot;
  }

  /** URLs to evict, least recently used first, so that the index fits `budget`. */
  evictionCandidates(budget: StorageBudget): string[] {
    if (this.entries.size <= budget.maxEntries && this.bytes <= budget.maxBytes) return [];
    const byAge = [...this.entries.values()].sort((a, b) => a.lastUsed - b.lastUsed);
    const victims: string[] = [];
    let count = this.entries.size;
    let bytes = this.bytes;
    for (const entry of byAge) {
      if (count <= budget.maxEntries && bytes <= budget.maxBytes) break;
      victims.push(entry.url);
      count--;
      bytes -= entry.size;
    }
    return victims;
  }
}
