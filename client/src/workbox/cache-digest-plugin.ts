import type { WorkboxPlugin } from 'workbox-core/types.js';
import { cachePolicy, type CachePolicy } from '../sw/freshness.ts';
import { createIndexEntry, type IndexEntry } from '../sw/index-entry.ts';
import { PersistentDigestIndex } from '../sw/persistent-digest-index.ts';
import { stripFragment } from '../sw/strip-fragment.ts';

/** Options of {@link CacheDigestPlugin}. */
export interface CacheDigestWorkboxOptions {
  /**
   * How to decide that a cached entry is fresh. `http` (default): by its
   * Cache-Control / Expires headers, as a browser cache would. `cached`:
   * every cached entry counts as fresh, for routes whose strategy
   * (CacheFirst) serves the cache without asking the network.
   */
  freshness?: 'http' | 'cached';
  /** log2 of the digests' inverse false-positive rate. Default 7. */
  pBits?: number;
  /** IndexedDB database of the plugin's index. Default `cache-digest-workbox`. */
  dbName?: string;
  /** Caches to read when the index must be rebuilt; default every cache the plugin has seen a write to. */
  cacheNames?: string[];
  /** Origin whose requests are indexed and get digests; default the worker's own. */
  origin?: string;
}

const INDEX_NAME = 'workbox';
const ALWAYS_FRESH: CachePolicy = { storable: true, freshUntil: Number.MAX_SAFE_INTEGER, immutable: false, mustRevalidate: false };

/**
 * A Workbox plugin that adds Cache Digests to a site's own Workbox worker.
 * Add the same instance to the strategies of the routes that cache assets
 * (it indexes what they store, in memory and IndexedDB) and to the
 * navigation route (it adds `Cache-Digest: <fresh>; complete[, <stale>;
 * stale; validators]` to navigation requests):
 *
 * ```ts
 * const digests = new CacheDigestPlugin();
 * registerRoute(({ request }) => request.destination !== 'document', new CacheFirst({ plugins: [digests] }));
 * registerRoute(({ request }) => request.mode === 'navigate', new NetworkFirst({ plugins: [digests] }));
 * ```
 *
 * The server then sends only what is missing (as 103 hints or Link
 * headers; the push stream needs the full cache-digest worker).
 */
export class CacheDigestPlugin implements WorkboxPlugin {
  private readonly index: PersistentDigestIndex;
  private readonly seenCaches = new Set<string>();
  private readonly origin: string;

  constructor(private readonly options: CacheDigestWorkboxOptions = {}) {
    this.origin = options.origin ?? globalThis.location.origin;
    for (const name of options.cacheNames ?? []) this.seenCaches.add(name);
    this.index = new PersistentDigestIndex({
      dbName: options.dbName ?? 'cache-digest-workbox',
      indexName: INDEX_NAME,
      // Missing or corrupt: rebuild from the caches the site's strategies use.
      cacheNames: async () => options.cacheNames ?? (await caches.keys()),
      entryOf: (request, response) => this.entryOf(request, response, Date.now()),
    });
  }

  /** The `Cache-Digest` header value for a navigation now. */
  async digestHeader(now: number = Date.now()): Promise<string> {
    return (await this.index.digest(now, this.options.pBits === undefined ? {} : { pBits: this.options.pBits })).header;
  }

  /** Adds the digest header to same-origin navigations. */
  requestWillFetch: WorkboxPlugin['requestWillFetch'] = async ({ request }) => {
    if (request.mode !== 'navigate' || !this.sameOrigin(request.url)) return request;
    const headers = new Headers(request.headers);
    headers.set('cache-digest', await this.digestHeader());
    return new Request(request, { headers });
  };

  /** Indexes each response a strategy writes to its cache. */
  cacheDidUpdate: WorkboxPlugin['cacheDidUpdate'] = async ({ cacheName, request, newResponse }) => {
    if (!this.sameOrigin(request.url)) return;
    await this.index.ready();
    this.seenCaches.add(cacheName);
    const entry = this.entryOf(request, newResponse, Date.now());
    if (entry) await this.index.set(entry);
  };

  /** Keeps the index in step when a strategy finds an entry gone (for example after expiration). */
  cachedResponseWillBeUsed: WorkboxPlugin['cachedResponseWillBeUsed'] = async ({ request, cachedResponse }) => {
    const url = stripFragment(request.url);
    if (!cachedResponse && this.sameOrigin(url)) {
      await this.index.ready();
      await this.index.delete([url]);
    }
    return cachedResponse ?? null;
  };

  private sameOrigin(url: string): boolean {
    return url.startsWith(`${this.origin}/`);
  }

  private entryOf(request: Request, response: Response, now: number): IndexEntry | undefined {
    if (!this.sameOrigin(request.url)) return undefined;
    const size = Number(response.headers.get('content-length') ?? 0) || 0;
    return createIndexEntry({ url: stripFragment(request.url), etag: response.headers.get('etag'), policy: this.policyOf(response, now), size, now });
  }

  private policyOf(response: Response, now: number): CachePolicy {
    if (this.options.freshness === 'cached') return ALWAYS_FRESH;
    const dated = Date.parse(response.headers.get('date') ?? '');
    const received = Number.isFinite(dated) && dated <= now ? dated : now;
    return cachePolicy(response.status, response.headers, { requestTime: received, responseTime: received });
  }
}
