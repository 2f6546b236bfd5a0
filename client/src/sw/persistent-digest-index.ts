import { DigestIndex, type DigestOptions, type DigestSnapshot, type StorageBudget } from './digest-index.ts';
import type { IndexEntry } from './index-entry.ts';
import { IndexStore, type LoadedIndex } from './index-store.ts';

/** How a {@link PersistentDigestIndex} is kept and, when its IndexedDB copy is unusable, rebuilt. */
export interface PersistentDigestIndexOptions {
  /** IndexedDB database holding the copy. */
  dbName: string;
  /** Name recorded with the copy; a copy recorded under another name (an older cache version) is rebuilt. */
  indexName: string;
  /** The Cache API caches a rebuild reads. */
  cacheNames: () => Promise<readonly string[]>;
  /** The entry for one response cached in `cacheName`, or undefined when it is not indexed. */
  entryOf: (request: Request, response: Response, cacheName: string) => IndexEntry | undefined | Promise<IndexEntry | undefined>;
  /** Delete cached responses `entryOf` refuses (true only for caches the owner alone writes). */
  deleteStrays?: boolean;
  /** Called after each rebuild (the owner may evict to its budget). */
  afterRebuild?: () => Promise<void>;
}

/** Batches LRU touches: losing one only blurs eviction order. */
const LRU_FLUSH_DELAY_MS = 2000;

/**
 * The index of what a worker holds in Cache Storage, kept in memory (where
 * every navigation's digest is built from it) and copied to IndexedDB (so a
 * restarted worker knows its cache without walking it). When the copy is
 * missing, corrupt or of another cache, it is rebuilt from the Cache API.
 * Used by the kit's worker and by the Workbox plugin alike. IndexedDB
 * failures never reject: the index then lives in memory only.
 */
export class PersistentDigestIndex {
  private readonly memory = new DigestIndex();
  private store: IndexStore | undefined;
  private loading: Promise<void> | undefined;
  private readonly touched = new Map<string, IndexEntry>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly options: PersistentDigestIndexOptions) {}

  /** Loads the copy from IndexedDB, or rebuilds from the Cache API. Runs once; never rejects. */
  ready(): Promise<void> {
    this.loading ??= this.load().catch(() => {
      // Without IndexedDB the index lives in memory only.
      this.store = undefined;
    });
    return this.loading;
  }

  /** Number of entries. */
  get size(): number {
    return this.memory.size;
  }

  /** Sum of the entries' body sizes. */
  get totalBytes(): number {
    return this.memory.totalBytes;
  }

  /** The entry of `url` (call {@link ready} first). */
  get(url: string): IndexEntry | undefined {
    return this.memory.get(url);
  }

  values(): IterableIterator<IndexEntry> {
    return this.memory.values();
  }

  /** The digests at `now` (see {@link DigestIndex.digest}), once loaded. */
  async digest(now: number, options: DigestOptions = {}): Promise<DigestSnapshot> {
    await this.ready();
    return this.memory.digest(now, options);
  }

  /** Calls `listener` after each change (an entry stored, refreshed, removed, or a rebuild). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Adds or replaces entries, in memory then in IndexedDB. A new copy of a
   * URL without page records keeps the old copy's (the same pages list it).
   */
  async set(...entries: IndexEntry[]): Promise<void> {
    for (const entry of entries) {
      entry.pages ??= this.memory.get(entry.url)?.pages;
      this.memory.set(entry);
    }
    this.changed();
    await this.store?.put(entries).catch(() => undefined);
  }

  /** Removes entries, in memory then in IndexedDB; returns the URLs that were indexed. */
  async delete(urls: readonly string[]): Promise<string[]> {
    const removed = urls.filter((url) => this.memory.delete(url));
    for (const url of urls) this.touched.delete(url);
    if (removed.length === 0) return removed;
    this.changed();
    await this.store?.delete(removed).catch(() => undefined);
    return removed;
  }

  /** URLs to evict, least recently used first, so that the index fits `budget`. */
  evictionCandidates(budget: StorageBudget): string[] {
    return this.memory.evictionCandidates(budget);
  }

  /** Records a use for LRU eviction; written to IndexedDB in batches. */
  touch(entry: IndexEntry, now: number): void {
    entry.lastUsed = now;
    this.touched.set(entry.url, entry);
    this.flushTimer ??= setTimeout(() => this.flushTouched(), LRU_FLUSH_DELAY_MS);
  }

  /** Writes the pending LRU touches now (a navigation is a good moment: the worker may stop soon after). */
  flushTouched(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.touched.size === 0) return;
    const entries = [...this.touched.values()];
    this.touched.clear();
    void this.store?.put(entries).catch(() => undefined);
  }

  /**
   * Rebuilds the index by reading every cached response's headers (when the
   * copy is missing or corrupt). `pages`: page records read from the unusable
   * copy, put back on the entries of the same URLs, so that pruning does not
   * wait for each page's next stream to retire what a deploy superseded.
   */
  async rebuild(pages?: ReadonlyMap<string, string[]>): Promise<void> {
    this.memory.clear();
    for (const name of await this.options.cacheNames()) {
      const cache = await caches.open(name);
      const strays: Request[] = [];
      for (const request of await cache.keys()) {
        const response = await cache.match(request, { ignoreVary: true });
        const entry = response && (await this.options.entryOf(request, response, name));
        if (!entry) strays.push(request);
        else {
          entry.pages ??= pages?.get(entry.url);
          this.memory.set(entry);
        }
      }
      if (this.options.deleteStrays) await Promise.all(strays.map((request) => cache.delete(request, { ignoreVary: true })));
    }
    this.changed();
    await this.store?.replaceAll(this.options.indexName, this.memory.values()).catch(() => undefined);
    await this.options.afterRebuild?.();
  }

  private async load(): Promise<void> {
    this.store = await IndexStore.open(this.options.dbName).catch(() => undefined);
    const loaded = await this.store?.load(this.options.indexName).catch((): LoadedIndex => ({ status: 'corrupt' }));
    if (loaded?.status === 'ok') {
      for (const entry of loaded.entries) this.memory.set(entry);
      this.changed();
      return;
    }
    await this.rebuild(loaded?.pages);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
