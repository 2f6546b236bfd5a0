import type { IndexEntry } from './index-entry.ts';
import { applyPageList } from './prune-listed.ts';

/** Most paths of a `push-stream-assets` list applied; a longer list is not trusted to be whole, so nothing is retired by it. */
const MAX_LISTED = 4096;
/** A listed entry's use is recorded when its last one is older than this. */
const LISTED_USE_GRANULARITY_MS = 60 * 60 * 1000;

/** What {@link pruneAfterStream} works on. */
export interface PruneTarget {
  /** The index entries (changed in place). */
  values(): IterableIterator<IndexEntry>;
  /** Writes changed entries back (memory and IndexedDB). */
  set(...entries: IndexEntry[]): Promise<void>;
  /** Removes entries from the index and the cache. */
  retire(urls: readonly string[]): Promise<void>;
}

/** One navigation's push stream, once all its parts are stored. */
export interface StreamOutcome {
  /** The page's key (page-key.ts: its path). */
  page: string;
  /** Its `push-stream-assets` value: every asset of the page as the site serves it now (null when absent). */
  assets: string | null;
  /** An asset path as an absolute in-scope URL, or undefined to ignore it. */
  resolve: (path: string) => string | undefined;
  now: number;
  /** Entries not used for this long are retired. */
  maxUnusedMs: number;
}

/**
 * Prunes the worker's cache after a navigation's push stream, so that
 * Cache Storage and the digest every navigation carries do not grow with
 * each deploy (docs/deploys.md): entries the page listed before and no
 * current page lists now are retired ({@link applyPageList}), and so is any
 * entry unused for `maxUnusedMs`. Returns the retired URLs.
 */
export async function pruneAfterStream(target: PruneTarget, outcome: StreamOutcome): Promise<string[]> {
  const retired = new Set<string>();
  const paths = outcome.assets === null ? [] : outcome.assets.split(',');
  if (outcome.assets !== null && paths.length <= MAX_LISTED) {
    const listed = new Set<string>();
    for (const path of paths) {
      const url = outcome.resolve(path.trim());
      if (url !== undefined) listed.add(url);
    }
    const { changed, retired: unlisted } = applyPageList(target.values(), outcome.page, listed);
    for (const url of unlisted) retired.add(url);
    // The page uses what it lists, though the browser may take it from the cache without the worker
    // (cache routes): it counts as used now, at most one write per entry and hour.
    for (const entry of target.values()) {
      if (listed.has(entry.url) && outcome.now - entry.lastUsed > LISTED_USE_GRANULARITY_MS) {
        entry.lastUsed = outcome.now;
        if (!changed.includes(entry)) changed.push(entry);
      }
    }
    if (changed.length > 0) await target.set(...changed);
  }
  for (const entry of target.values()) {
    if (outcome.now - entry.lastUsed > outcome.maxUnusedMs) retired.add(entry.url);
  }
  if (retired.size > 0) await target.retire([...retired]);
  return [...retired];
}
