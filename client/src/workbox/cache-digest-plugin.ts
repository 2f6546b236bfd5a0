import { DEFAULT_DIGEST_BUDGET } from '@cache-digest/shared';
import type { WorkboxPlugin } from 'workbox-core/types.js';
import type { DigestOptions } from '../sw/digest-index.ts';
import { cachePolicy, type CachePolicy } from '../sw/freshness.ts';
import { createIndexEntry, type IndexEntry } from '../sw/index-entry.ts';
import { NavigationPreloadPublisher } from '../sw/navigation-preload-publisher.ts';
import { DEFAULT_WORKER_OPTIONS } from '../sw/options.ts';
import { PersistentDigestIndex } from '../sw/persistent-digest-index.ts';
import { preloadHeaderValue } from '../sw/preload-header-value.ts';
import { pruneAfterStream, type PruneTarget } from '../sw/prune-after-stream.ts';
import { stripFragment } from '../sw/strip-fragment.ts';
import { WorkboxStreamIntake, type WorkboxStreamLimits } from './workbox-stream-intake.ts';

/** Options of {@link CacheDigestPlugin}. */
export interface CacheDigestWorkboxOptions {
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
  /**
   * The cache the site's asset route reads (its CacheFirst `cacheName`).
   * When set, navigations also accept push streams: their asset parts are
   * verified and stored there, and the page part answers the navigation.
   */
  streamCacheName?: string;
  /** Limits of push streams (the kit worker's defaults: see `CacheDigestWorkerOptions`). */
  stream?: Partial<WorkboxStreamLimits>;
  /**
   * With `streamCacheName`: an entry of that cache no page used for this
   * long is retired after a stream, as in the kit's worker (docs/deploys.md).
   * Default 30 days.
   */
  maxUnusedMs?: number;
}

const INDEX_NAME = 'workbox';
/** The query parameter workbox-precaching adds to the cache keys of entries with a `revision`. */
const REVISION_PARAM = '__WB_REVISION__';
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
 * The server then sends only what is missing, as 103 hints or Link
 * headers; with `streamCacheName`, in a push stream stored into that cache
 * (and pruned after deploys, docs/deploys.md).
 */
export class CacheDigestPlugin implements WorkboxPlugin {
  private readonly index: PersistentDigestIndex;
  private readonly seenCaches = new Set<string>();
  private readonly origin: string;
  private readonly intake: WorkboxStreamIntake | undefined;
  private publisher: NavigationPreloadPublisher | undefined;

  constructor(private readonly options: CacheDigestWorkboxOptions = {}) {
    this.origin = options.origin ?? globalThis.location.origin;
    for (const name of options.cacheNames ?? []) this.seenCaches.add(name);
    this.index = new PersistentDigestIndex({
      dbName: options.dbName ?? 'cache-digest-workbox',
      indexName: INDEX_NAME,
      // Missing or corrupt: rebuild from the caches the site's strategies use.
      cacheNames: async () => options.cacheNames ?? (await caches.keys()),
      entryOf: (request, response, cacheName) => this.entryOf(request, response, Date.now(), cacheName),
    });
    if (options.streamCacheName !== undefined) {
      const { maxEntryBytes, maxParts, streamIdleTimeoutMs, pageStallTimeoutMs, partTimeoutMs } = DEFAULT_WORKER_OPTIONS;
      const limits = { maxEntryBytes, maxParts, idleTimeoutMs: streamIdleTimeoutMs, pageStallTimeoutMs, partTimeoutMs, ...options.stream };
      // After each stream, what a deploy superseded and long-unused entries leave the stream cache (docs/deploys.md).
      const target: PruneTarget = { values: () => this.index.values(), set: (...entries) => this.index.set(...entries), retire: (urls) => this.retire(urls) };
      const maxUnusedMs = options.maxUnusedMs ?? DEFAULT_WORKER_OPTIONS.maxUnusedMs;
      this.intake = new WorkboxStreamIntake(this.origin, options.streamCacheName, this.index, limits, async (page, assets, resolve) => {
        await this.index.ready();
        return pruneAfterStream(target, { page, assets, resolve, now: Date.now(), maxUnusedMs });
      });
    }
  }

  /**
   * Turns navigation preload on (when this worker activates, and at once
   * when it restarts already active) and keeps its header value equal to
   * the current digests, with `accept-push-stream=1` when `streamCacheName`
   * is set, so that a navigation reaching a stopped worker still carries
   * them. Call it once, at the top level of the worker; Workbox strategies
   * use `event.preloadResponse` by themselves.
   */
  enableNavigationPreload(scope: ServiceWorkerGlobalScope = globalThis as unknown as ServiceWorkerGlobalScope): void {
    const manager = scope.registration.navigationPreload as NavigationPreloadManager | undefined;
    if (!manager || this.publisher) return;
    const publisher = new NavigationPreloadPublisher(manager, async () => {
      const snapshot = await this.index.digest(Date.now(), this.digestOptions());
      const value = this.intake ? preloadHeaderValue(snapshot.header) : `cache-digest=${snapshot.header}`;
      return { value, ...(snapshot.changesAt === undefined ? {} : { changesAt: snapshot.changesAt }) };
    });
    this.publisher = publisher;
    this.index.onChange(() => publisher.schedule());
    const start = () => this.index.ready().then(() => publisher.enable()).catch(() => undefined);
    scope.addEventListener('activate', (event) => event.waitUntil(start()));
    if (scope.registration.active) void start();
  }

  /** The `Cache-Digest` header value for a navigation now. */
  async digestHeader(now: number = Date.now()): Promise<string> {
    return (await this.index.digest(now, this.digestOptions())).header;
  }

  /** Adds the digest header to same-origin navigations. */
  requestWillFetch: WorkboxPlugin['requestWillFetch'] = async ({ request }) => {
    if (request.mode !== 'navigate' || !this.sameOrigin(request.url)) return request;
    const headers = new Headers(request.headers);
    headers.set('cache-digest', await this.digestHeader());
    if (this.intake) headers.set('accept-push-stream', '1');
    // no-store: a conditional request's 304 must not land inside a push stream's page part.
    return new Request(request, { headers, ...(this.intake ? { cache: 'no-store' as const } : {}) });
  };

  /** A push stream answering a navigation (fetched or preloaded) is taken apart: the page part answers it. */
  handlerWillRespond: WorkboxPlugin['handlerWillRespond'] = async ({ request, response, event }) => {
    if (!this.intake || request.mode !== 'navigate') return response;
    const keepAlive = (work: Promise<unknown>) => (event as ExtendableEvent).waitUntil(work.catch(() => undefined));
    return this.intake.take(request, response, keepAlive);
  };

  /**
   * A push stream itself is never cached (the page it carries is per
   * client). Otherwise as Workbox's default for CacheFirst / NetworkFirst,
   * which this hook replaces: only 200 and opaque responses are cached.
   */
  cacheWillUpdate: WorkboxPlugin['cacheWillUpdate'] = async ({ response }) =>
    response.headers.has('push-stream-urls') || (response.status !== 200 && response.status !== 0) ? null : response;

  /** Indexes each response a strategy writes to its cache. */
  cacheDidUpdate: WorkboxPlugin['cacheDidUpdate'] = async ({ cacheName, request, newResponse }) => {
    if (!this.sameOrigin(request.url)) return;
    await this.index.ready();
    this.seenCaches.add(cacheName);
    const entry = this.entryOf(request, newResponse, Date.now(), cacheName);
    if (entry) await this.index.set(entry);
  };

  /**
   * Keeps the index in step when a strategy finds an entry gone (for
   * example after expiration), and fills a precache miss from a copy a push
   * stream already delivered, so that a precache update does not fetch it again.
   */
  cachedResponseWillBeUsed: WorkboxPlugin['cachedResponseWillBeUsed'] = async ({ cacheName, request, cachedResponse, event }) => {
    if (cachedResponse) {
      // A use, for pruning's idle time (maxUnusedMs).
      const entry = this.index.get(this.keyOf(request.url));
      if (entry) this.index.touch(entry, Date.now());
      return cachedResponse;
    }
    const url = this.keyOf(request.url);
    // A part the current push stream announced and has not stored yet: wait for it rather than fetch it again.
    const part = await this.intake?.waitForPart(url);
    if (part) return part;
    const streamed = await this.streamedCopy(cacheName, request.url);
    if (streamed) {
      // Workbox's precache install keeps only what it puts itself: store the copy under the precache's key.
      if (event?.type === 'install') await this.precachePut(cacheName, request, streamed.clone());
      return streamed;
    }
    if (this.sameOrigin(url) && event?.type !== 'install') {
      await this.index.ready();
      await this.index.delete([url]);
    }
    return null;
  };

  /**
   * The stream cache's copy of a URL the precache lacks. Only for keys
   * without a `__WB_REVISION__`: such a URL names its content (a hashed
   * build file), so any stored copy is the one the new precache wants.
   */
  private async streamedCopy(cacheName: string, key: string): Promise<Response | undefined> {
    const streamCacheName = this.options.streamCacheName;
    if (streamCacheName === undefined || cacheName === streamCacheName || !cacheName.includes('precache')) return undefined;
    if (!this.sameOrigin(key) || key.includes(REVISION_PARAM)) return undefined;
    const copy = await (await caches.open(streamCacheName)).match(stripFragment(key));
    return copy?.status === 200 ? copy : undefined;
  }

  /**
   * Retires what pruning picked: each URL leaves the stream cache, the one
   * cache the plugin writes by itself, and the index unless another cache
   * still holds it (the precache, which Workbox manages, or another route's):
   * such an entry stays held, and counts as used now, so that idle time does
   * not pick it again at every stream.
   */
  private async retire(urls: readonly string[]): Promise<void> {
    const streamCache = await caches.open(this.options.streamCacheName!);
    const gone: string[] = [];
    for (const url of urls) {
      await streamCache.delete(url, { ignoreVary: true });
      if (!(await this.heldElsewhere(url))) gone.push(url);
      else {
        const entry = this.index.get(url);
        if (entry) this.index.touch(entry, Date.now());
      }
    }
    await this.index.delete(gone);
  }

  /**
   * Whether a cache still holds `url` under its own key: the URL itself, or a
   * precache key that is the URL plus `__WB_REVISION__`. Not any query: a
   * retired `/app.js?v=1` must not count as held because `/app.js?v=2` is.
   */
  private async heldElsewhere(url: string): Promise<boolean> {
    for (const name of await caches.keys()) {
      const keys = await (await caches.open(name)).keys(url, { ignoreSearch: true, ignoreVary: true });
      if (keys.some((request) => this.keyOf(request.url) === url)) return true;
    }
    return false;
  }

  private async precachePut(cacheName: string, request: Request, response: Response): Promise<void> {
    await (await caches.open(cacheName)).put(request, response);
    const entry = this.entryOf(request, response, Date.now(), cacheName);
    if (entry) {
      await this.index.ready();
      await this.index.set(entry);
    }
  }

  private sameOrigin(url: string): boolean {
    return url.startsWith(`${this.origin}/`);
  }

  private digestOptions(): DigestOptions {
    const budget = this.options.digestBudget ?? DEFAULT_DIGEST_BUDGET;
    return { budget, ...(this.options.pBits === undefined ? {} : { pBits: this.options.pBits }) };
  }

  /**
   * The URL an entry is known by: without fragment, and without the
   * revision parameter workbox-precaching adds to its cache keys (the page
   * requests, and the server matches, the plain URL).
   */
  private keyOf(url: string): string {
    const plain = stripFragment(url);
    if (!plain.includes(REVISION_PARAM)) return plain;
    const parsed = new URL(plain);
    parsed.searchParams.delete(REVISION_PARAM);
    return parsed.href;
  }

  private entryOf(request: Request, response: Response, now: number, cacheName?: string): IndexEntry | undefined {
    if (!this.sameOrigin(request.url)) return undefined;
    const size = Number(response.headers.get('content-length') ?? 0) || 0;
    const url = this.keyOf(request.url);
    // A precached entry is served from the precache for as long as this worker runs: held, whatever its headers say.
    const precached = url !== stripFragment(request.url) || (cacheName ?? '').includes('precache');
    const policy = precached ? ALWAYS_FRESH : this.policyOf(response, now);
    return createIndexEntry({ url, etag: response.headers.get('etag'), policy, size, now });
  }

  private policyOf(response: Response, now: number): CachePolicy {
    if (this.options.freshness === 'cached') return ALWAYS_FRESH;
    const dated = Date.parse(response.headers.get('date') ?? '');
    const received = Number.isFinite(dated) && dated <= now ? dated : now;
    return cachePolicy(response.status, response.headers, { requestTime: received, responseTime: received });
  }
}
