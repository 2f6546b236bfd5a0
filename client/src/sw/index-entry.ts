import { digestKey, hashKey, type KeyHasher } from '@cache-digest/shared';
import type { CachePolicy } from './freshness.ts';

/**
 * One cached response as the index records it: enough to build both digests
 * without touching the Cache API or hashing again. Stored as-is in IndexedDB.
 */
export interface IndexEntry {
  /** Absolute URL without fragment: the Cache API key and the digest key. */
  url: string;
  /** The ETag exactly as the server sent it, quotes included. */
  etag?: string;
  /** SHA-256 prefix of the URL (fresh digest). */
  urlHi: number;
  urlLo: number;
  /** SHA-256 prefix of URL + ETag (stale validators digest); the URL's when there is no ETag. */
  keyHi: number;
  keyLo: number;
  /** Epoch ms until which the entry is fresh; 0 = revalidate before every use. */
  freshUntil: number;
  immutable: boolean;
  mustRevalidate: boolean;
  /** Body bytes. */
  size: number;
  /** Epoch ms of the last time a page used it (least-recently-used eviction). */
  lastUsed: number;
  /** Paths of the pages whose current asset list names it; it is retired when none does any more (prune-listed.ts). */
  pages?: string[];
}

/** What an index entry is built from. */
export interface IndexEntryFields {
  url: string;
  etag: string | null | undefined;
  policy: CachePolicy;
  size: number;
  now: number;
}

/** Builds an index entry, hashing its keys once, here, at insertion time. */
export function createIndexEntry(fields: IndexEntryFields, hash: KeyHasher = hashKey): IndexEntry {
  return indexEntryWith(fields, hash);
}

/** {@link createIndexEntry} without the default hasher, which the kit's worker does without (see hashed-index-entry.ts). */
export function indexEntryWith(fields: IndexEntryFields, hash: KeyHasher): IndexEntry {
  const urlHash = hash(fields.url);
  const etag = fields.etag ?? undefined;
  const keyHash = etag === undefined ? urlHash : hash(digestKey(fields.url, etag));
  return {
    url: fields.url,
    ...(etag === undefined ? {} : { etag }),
    urlHi: urlHash.hi,
    urlLo: urlHash.lo,
    keyHi: keyHash.hi,
    keyLo: keyHash.lo,
    freshUntil: fields.policy.freshUntil,
    immutable: fields.policy.immutable,
    mustRevalidate: fields.policy.mustRevalidate,
    size: fields.size,
    lastUsed: fields.now,
  };
}

const U32 = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
const FINITE = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** True when a record read back from IndexedDB has the shape of an {@link IndexEntry}. */
export function isIndexEntry(value: unknown): value is IndexEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.url === 'string' &&
    (entry.etag === undefined || typeof entry.etag === 'string') &&
    U32(entry.urlHi) && U32(entry.urlLo) && U32(entry.keyHi) && U32(entry.keyLo) &&
    FINITE(entry.freshUntil) && FINITE(entry.size) && FINITE(entry.lastUsed) &&
    typeof entry.immutable === 'boolean' && typeof entry.mustRevalidate === 'boolean' &&
    (entry.pages === undefined || isPageList(entry.pages))
  );
}

/** True for an entry's `pages` as read back from IndexedDB: at most 64 strings. */
export function isPageList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= 64 && value.every((page) => typeof page === 'string');
}
