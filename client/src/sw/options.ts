import { DEFAULT_DIGEST_BUDGET, DEFAULT_P_BITS, MAX_DIGEST_HEADER_LENGTH } from '@cache-digest/shared';

/** Settings of the Service Worker; every field has a default. */
export interface CacheDigestWorkerOptions {
  /** Most cached entries; least recently used ones are evicted beyond it. Default 2,000. */
  maxEntries?: number;
  /** Most cached body bytes. Default 50 MiB. */
  maxBytes?: number;
  /** Entries no page used for this long (ms) are removed after a navigation's push stream. Default 30 days. */
  maxUnusedMs?: number;
  /** Largest single body kept (and buffered from a push stream). Default 8 MiB. */
  maxEntryBytes?: number;
  /**
   * Most characters of a navigation's `Cache-Digest` value (docs/digest-budget.md): the digests
   * use the largest P that fits (up to 1/65,536), down to 1/128; below that the site's current assets and the most
   * recently used entries go in first. `0` = no budget (then `pBits` is used). Default 1,400; at
   * least 64; never more than the server accepts (2,048 characters, 1,024 entries).
   */
  digestBudget?: number;
  /** log2 of the digests' inverse false-positive rate when `digestBudget` is 0. Default 7 (1/128). */
  pBits?: number;
  /** Entries that expire within this many ms go into the stale digest, so the server refreshes them. Default 5,000. */
  freshnessMarginMs?: number;
  /** How long a page request for an announced URL waits for its part before going to the network. Default 15,000. */
  partTimeoutMs?: number;
  /** A push stream silent for this long is abandoned; what is missing comes from the network. Default 15,000. */
  streamIdleTimeoutMs?: number;
  /**
   * While a push stream's page part is incomplete, a stream silent this long
   * gives the page up and fetches it from the network (the stream's assets
   * are still taken). Default 1,000.
   */
  pageStallTimeoutMs?: number;
  /** Most parts read from one push stream; later ones are ignored. Default 512. */
  maxParts?: number;
  /** Name of the IndexedDB database holding the index. Default `cache-digest`. */
  dbName?: string;
  /** Cache name prefix (workbox-core `setCacheNameDetails`); the version is the suffix. Default `cache-digest`. */
  cacheNamePrefix?: string;
  /** Bump to start over with a new cache (old versions are deleted on activate). Default `v1`. */
  cacheVersion?: string;
  /**
   * When a new version of this worker takes over. `immediate` (default): as
   * soon as it is installed. `on-message`: it waits until a page posts
   * `{ type: SKIP_WAITING_MESSAGE }` to it (sites that prompt before
   * activating; see docs/worker-updates.md).
   */
  activation?: 'immediate' | 'on-message';
  /**
   * Path patterns (`/assets/*.js`; `*` matches any characters, nothing else
   * is special) of immutable, content-hashed URLs that Chromium answers
   * straight from the worker's cache, without waking the worker
   * (docs/cache-routes.md). A page answered by a push stream then reaches the
   * browser once its parts for these URLs are stored. Only for URLs whose
   * content never changes: a stored copy is never revalidated. Default none:
   * on the demo they cost more (the page waits for the writes) than they save.
   */
  cacheRoutes?: string[];
}

/** Options with their defaults applied. */
export type ResolvedWorkerOptions = Required<CacheDigestWorkerOptions>;

/** The defaults of {@link CacheDigestWorkerOptions}. */
export const DEFAULT_WORKER_OPTIONS: ResolvedWorkerOptions = {
  maxEntries: 2000,
  maxBytes: 50 * 1024 * 1024,
  maxUnusedMs: 30 * 24 * 60 * 60 * 1000,
  maxEntryBytes: 8 * 1024 * 1024,
  digestBudget: DEFAULT_DIGEST_BUDGET,
  pBits: DEFAULT_P_BITS,
  freshnessMarginMs: 5000,
  partTimeoutMs: 15_000,
  streamIdleTimeoutMs: 15_000,
  pageStallTimeoutMs: 1000,
  maxParts: 512,
  dbName: 'cache-digest',
  cacheNamePrefix: 'cache-digest',
  cacheVersion: 'v1',
  activation: 'immediate',
  cacheRoutes: [],
};

const positive = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Applies defaults; values of the wrong type fall back to the default instead of breaking the worker. */
export function resolveWorkerOptions(options: CacheDigestWorkerOptions = {}): ResolvedWorkerOptions {
  const resolved = { ...DEFAULT_WORKER_OPTIONS };
  for (const key of Object.keys(DEFAULT_WORKER_OPTIONS) as (keyof ResolvedWorkerOptions)[]) {
    const value = options[key];
    const fallback = DEFAULT_WORKER_OPTIONS[key];
    if (Array.isArray(fallback)) {
      if (Array.isArray(value)) (resolved as Record<string, unknown>)[key] = value.filter((item) => typeof item === 'string');
    } else if (typeof fallback === 'number' ? positive(value) : typeof value === 'string' && /^[\w.-]{1,64}$/.test(value)) {
      (resolved as Record<string, unknown>)[key] = value;
    }
  }
  resolved.pBits = Math.min(31, Math.max(1, Math.round(resolved.pBits)));
  if (resolved.activation !== 'on-message') resolved.activation = 'immediate';
  if (resolved.digestBudget > 0) resolved.digestBudget = Math.min(MAX_DIGEST_HEADER_LENGTH, Math.max(64, Math.floor(resolved.digestBudget)));
  return resolved;
}
