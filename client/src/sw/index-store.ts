import { isIndexEntry, isPageList, type IndexEntry } from './index-entry.ts';

/** The marker record: which cache the index describes, in which format. */
interface IndexMeta {
  cacheName: string;
  format: number;
}

/** Bumped when {@link IndexEntry} changes shape: an index of another format is rebuilt. */
const INDEX_FORMAT = 1;
const META_KEY = 'index';

/**
 * What {@link IndexStore.load} found. An unusable copy still gives the page
 * records (`pages`, by URL) of the records that have them in a usable shape.
 */
export type LoadedIndex = { status: 'ok'; entries: IndexEntry[] } | { status: 'missing' | 'corrupt' | 'other-cache'; pages?: Map<string, string[]> };

/**
 * The IndexedDB copy of the worker's index, so that a restarted worker knows
 * its cache without walking it. Writes are per entry; a marker record names
 * the cache the index describes.
 */
export class IndexStore {
  private constructor(private readonly db: IDBDatabase) {}

  /**
   * Opens (creating if needed) the database `name`. When another context
   * deletes or upgrades it, this connection closes at once instead of
   * blocking that until the worker stops; later writes then reject (callers
   * ignore them: the index in memory stays right, and a restarted worker
   * rebuilds the database from the Cache API).
   */
  static async open(name: string): Promise<IndexStore> {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      const database = request.result;
      if (!database.objectStoreNames.contains('entries')) database.createObjectStore('entries', { keyPath: 'url' });
      if (!database.objectStoreNames.contains('meta')) database.createObjectStore('meta');
    };
    const db = await settled<IDBDatabase>(request);
    db.onversionchange = () => db.close();
    return new IndexStore(db);
  }

  /** Reads every entry if the index describes `cacheName` and each record is well formed (else the page records it can). */
  async load(cacheName: string): Promise<LoadedIndex> {
    const transaction = this.db.transaction(['entries', 'meta'], 'readonly');
    const [meta, records] = await Promise.all([
      settled<IndexMeta | undefined>(transaction.objectStore('meta').get(META_KEY)),
      settled<unknown[]>(transaction.objectStore('entries').getAll()),
    ]);
    if (!meta) return { status: 'missing' };
    const entries = records.filter(isIndexEntry);
    const sameCache = meta.format === INDEX_FORMAT && meta.cacheName === cacheName;
    if (sameCache && entries.length === records.length) return { status: 'ok', entries };
    const pages = new Map<string, string[]>();
    for (const { url, pages: listed } of records as Partial<IndexEntry>[]) {
      if (typeof url === 'string' && isPageList(listed)) pages.set(url, listed);
    }
    return { status: sameCache ? 'corrupt' : 'other-cache', pages };
  }

  /** Replaces the whole index with `entries` for `cacheName` in one transaction. */
  async replaceAll(cacheName: string, entries: Iterable<IndexEntry>): Promise<void> {
    const transaction = this.db.transaction(['entries', 'meta'], 'readwrite');
    const store = transaction.objectStore('entries');
    store.clear();
    for (const entry of entries) store.put(entry);
    transaction.objectStore('meta').put({ cacheName, format: INDEX_FORMAT } satisfies IndexMeta, META_KEY);
    await committed(transaction);
  }

  /** Writes (adds or replaces) entries. */
  async put(entries: readonly IndexEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const transaction = this.db.transaction('entries', 'readwrite');
    for (const entry of entries) transaction.objectStore('entries').put(entry);
    await committed(transaction);
  }

  /** Removes the entries of `urls`. */
  async delete(urls: readonly string[]): Promise<void> {
    if (urls.length === 0) return;
    const transaction = this.db.transaction('entries', 'readwrite');
    for (const url of urls) transaction.objectStore('entries').delete(url);
    await committed(transaction);
  }

  close(): void {
    this.db.close();
  }
}

/** The result of an IndexedDB request. */
function settled<T>(request: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result as T);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when the transaction commits; rejects when it aborts or fails. */
function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}
