import { DEFAULT_DIGEST_BUDGET } from '@cache-digest/shared';
import type { WorkboxPlugin } from 'workbox-core/types.js';
import { DigestIndex } from '../sw/digest-index.ts';
import { cachePolicy, type CachePolicy } from '../sw/freshness.ts';
import { createIndexEntry } from '../sw/index-entry.ts';
import { IndexStore } from '../sw/index-store.ts';

/** Options of {@link CacheDigestPlugin}. */
export interface CacheDigestPluginOptions {
  /**
   * How to decide that a cached entry is fresh. `http` (default): by its
   * Cache-Control / Expires headers, as a browser cache would. `cached`:
   * every cached entry counts as fresh, for routes whose strategy
   * (CacheFirst) serves the cache without asking the network.
   */
  freshness?: 'http' | 'cached';
  /** Most characters of the navigation's `Cache-Digest` value, as the worker's option (docs/digest-budget.md). Default 1,400; 0 = none. */
  digestBudget?: number;
  /** log2 of the digests' inverse false-positive rate when `digestBudget` is 0. Default 7. */
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
  private readonly index = new DigestIndex();
  private readonly seenCaches = new Set<string>();
  private store: IndexStore | undefined;
  private loading: Promise<void> | undefined;
  private readonly origin: string;

  constructor(private readonly options: CacheDigestPluginOptions = {}) {
    this.origin = options.origin ?? globalThis.location.origin;
    for (const name of options.cacheNames ?? []) this.seenCaches.add(name);
  }

  /** The `Cache-Digest` header value for a navigation now. */
  async digestHeader(now: number = Date.now()): Promise<string> {
    await this.ready();
    const budget = this.options.digestBudget ?? DEFAULT_DIGEST_BUDGET;
    return this.index.digest(now, { budget, ...(this.options.pBits === undefined ? {} : { pBits: this.options.pBits }) }).header;
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
    await this.ready();
    this.seenCaches.add(cacheName);
    const now = Date.now();
    const policy = this.policyOf(newResponse, now);
    const size = Number(newResponse.headers.get('content-length') ?? 0) || 0;
    const entry = createIndexEntry({ url: stripFragment(request.url), etag: newResponse.headers.get('etag'), policy, size, now });
    this.index.set(entry);
    await this.store?.put([entry]).catch(() => undefined);
  };

  /** Keeps the index in step when a strategy finds an entry gone (for example after expiration). */
  cachedResponseWillBeUsed: WorkboxPlugin['cachedResponseWillBeUsed'] = async ({ request, cachedResponse }) => {
    const url = stripFragment(request.url);
    if (!cachedResponse && this.sameOrigin(url)) {
      await this.ready();
      if (this.index.delete(url)) await this.store?.delete([url]).catch(() => undefined);
    }
    return cachedResponse ?? null;
  };

  private sameOrigin(url: string): boolean {
    return url.startsWith(`${this.origin}/`);
  }

  private policyOf(response: Response, now: number): CachePolicy {
    if (this.options.freshness === 'cached') return ALWAYS_FRESH;
    const dated = Date.parse(response.headers.get('date') ?? '');
    const received = Number.isFinite(dated) && dated <= now ? dated : now;
    return cachePolicy(response.status, response.headers, { requestTime: received, responseTime: received });
  }

  private ready(): Promise<void> {
    this.loading ??= this.load().catch(() => {
      this.store = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    this.store = await IndexStore.open(this.options.dbName ?? 'cache-digest-workbox').catch(() => undefined);
    const loaded = await this.store?.load(INDEX_NAME).catch(() => ({ status: 'corrupt' as const }));
    if (loaded?.status === 'ok') {
      for (const entry of loaded.entries) this.index.set(entry);
      return;
    }
    // Missing or corrupt: rebuild from the caches the site's strategies use.
    const names = this.options.cacheNames ?? (await caches.keys());
    const now = Date.now();
    for (const name of names) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        if (!this.sameOrigin(request.url)) continue;
        const response = await cache.match(request);
        if (!response) continue;
        const size = Number(response.headers.get('content-length') ?? 0) || 0;
        this.index.set(createIndexEntry({ url: stripFragment(request.url), etag: response.headers.get('etag'), policy: this.policyOf(response, now), size, now }));
      }
    }
    await this.store?.replaceAll(INDEX_NAME, this.index.values()).catch(() => undefined);
  }
}

function stripFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}
