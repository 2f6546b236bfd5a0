import { digestKey, hashKeyAsync } from '@cache-digest/shared';
import { indexEntryWith, type IndexEntry, type IndexEntryFields } from './index-entry.ts';

/**
 * An index entry (`createIndexEntry`) with the keys hashed by the browser's own SHA-256
 * (`crypto.subtle`, always present in a Service Worker): the same entry, and
 * the worker script carries no SHA-256 of its own (about 0.6 KB gzipped).
 */
export async function hashedIndexEntry(fields: IndexEntryFields): Promise<IndexEntry> {
  const urlHash = await hashKeyAsync(fields.url);
  const etag = fields.etag ?? undefined;
  const keyHash = etag === undefined ? urlHash : await hashKeyAsync(digestKey(fields.url, etag));
  return indexEntryWith(fields, (key) => (key === fields.url ? urlHash : keyHash));
}
