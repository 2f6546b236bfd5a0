import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { isIndexEntry, type IndexEntry } from './index-entry.ts';

interface IndexSchema extends DBSchema {
  entries: { key: string; value: IndexEntry };
  meta: { key: string; value: { cacheName: string; format: number } };
}

/** Bumped when {@link IndexEntry} changes shape: an index of another format is rebuilt. */
const INDEX_FORMAT = 1;
const META_KEY = 'index';

/** What {@link IndexStore.load} found. */
export type LoadedIndex = { status: 'ok'; entries: IndexEntry[] } | { status: 'missing' | 'corrupt' | 'other-cache' };

/**
 * The IndexedDB copy of the worker's index, so that a restarted worker knows
 * its cache without walking it. Writes are per entry; a marker record names
 * the cache the index describes.
 */
export class IndexStore {
  private constructor(private readonly db: IDBPDatabase<IndexSchema>) {}

  /**
   * Opens (creating if needed) the database `name`. When another context
   * deletes or upgrades it, this connection closes at once instead of
   * blocking that until the worker stops; later writes then reject (callers
   * ignore them: the index in memory stays right, and a restarted worker
   * rebuilds the database from the Cache API).
   */
  static async open(name: string): Promise<IndexStore> {
    const db: IDBPDatabase<IndexSchema> = await openDB<IndexSchema>(name, 1, {
      upgrade(database) {
        if (!database.objectStoreNames.contains('entries')) database.createObjectStore('entries', { keyPath: 'url' });
        if (!database.objectStoreNames.contains('meta')) database.createObjectStore('meta');
      },
      blocking() {
        db.close();
      },
    });
    return new IndexStore(db);
  }

  /** Reads every entry if the index describes `cacheName` and each record is well formed. */
  async load(cacheName: string): Promise<LoadedIndex> {
    const transaction = this.db.transaction(['entries', 'meta'], 'readonly');
    const [meta, records] = await Promise.all([
      transaction.objectStore('meta').get(META_KEY),
      transaction.objectStore('entries').getAll(),
    ]);
    if (!meta) return { status: 'missing' };
    if (meta.format !== INDEX_FORMAT || meta.cacheName !== cacheName) return { status: 'other-cache' };
    const entries: IndexEntry[] = [];
    for (const record of records) {
      if (!isIndexEntry(record)) return { status: 'corrupt' };
      entries.push(record);
    }
    return { status: 'ok', entries };
  }

  /** Replaces the whole index with `entries` for `cacheName` in one transaction. */
  async replaceAll(cacheName: string, entries: Iterable<IndexEntry>): Promise<void> {
    const transaction = this.db.transaction(['entries', 'meta'], 'readwrite');
    const store = transaction.objectStore('entries');
    const writes: Promise<unknown>[] = [store.clear()];
    for (const entry of entries) writes.push(store.put(entry));
    writes.push(transaction.objectStore('meta').put({ cacheName, format: INDEX_FORMAT }, META_KEY));
    writes.push(transaction.done);
    await Promise.all(writes);
  }

  /** Writes (adds or replaces) entries. */
  async put(entries: readonly IndexEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const transaction = this.db.transaction('entries', 'readwrite');
    await Promise.all([...entries.map((entry) => transaction.store.put(entry)), transaction.done]);
  }

  /** Removes the entries of `urls`. */
  async delete(urls: readonly string[]): Promise<void> {
    if (urls.length === 0) return;
    const transaction = this.db.transaction('entries', 'readwrite');
    await Promise.all([...urls.map((url) => transaction.store.delete(url)), transaction.done]);
  }

  close(): void {
    this.db.close();
  }
}
