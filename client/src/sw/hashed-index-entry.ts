import { digestKey, hashKeyAsync, type Hash64 } from '@cache-digest/shared';
import { indexEntryWith, type IndexEntry, type IndexEntryFields } from './index-entry.ts';

/**
 * An index entry (`createIndexEntry`) with the keys hashed by the browser's own SHA-256
 * (`crypto.subtle`, always present in a Service Worker): the same entry, and
 * the worker script carries no SHA-256 of its own (about 0.6 KB gzipped).
 */
export async function hashedIndexEntry(fields: IndexEntryFields): Promise<IndexEntry> {
  const etag = fields.etag ?? undefined;
  const hashes = new Map<string, Hash64>();
  for (const key of etag === undefined ? [fields.url] : [fields.url, digestKey(fields.url, etag)]) hashes.set(key, await hashKeyAsync(key));
  return indexEntryWith(fields, (key) => hashes.get(key)!);
}
