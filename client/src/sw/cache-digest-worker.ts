import { WORKER_PATH } from '../paths.ts';
import { CacheRoutes } from './cache-routes.ts';
import { CurrentAssets } from './current-assets.ts';
import type { DigestSnapshot } from './digest-index.ts';
import type { IndexEntry } from './index-entry.ts';
import { HttpCacheStrategy, type KeepAlive } from './http-cache-strategy.ts';
import { NavigationIntake } from './navigation-intake.ts';
import { PageActivity } from './page-activity.ts';
import type { ResolvedWorkerOptions } from './options.ts';
import { PartWaiters } from './part-waiters.ts';
import { PersistentDigestIndex } from './persistent-digest-index.ts';
import { pruneAfterStream } from './prune-after-stream.ts';

export type { KeepAlive } from './http-cache-strategy.ts';

/** A page is quiet once it has asked for no subresource for this long (ms)... */
const PAGE_QUIET_MS = 1000;
/** ...or this long after its stream ended, whichever comes first. */
const PAGE_QUIET_MAX_MS = 10_000;
/** A page's first burst of requests is over once it has asked for nothing for this long (ms), or after the max. */
const PAGE_SETTLED_MS = 100;
const PAGE_SETTLED_MAX_MS = 2000;

/**
 * The Service Worker's logic, independent of how it is installed. It joins
 * three pieces, each readable alone:
 * - {@link PersistentDigestIndex}: what the cache holds (memory + IndexedDB),
 *   from which every navigation's `Cache-Digest` header is built;
 * - {@link NavigationIntake}: navigations, and the push streams they return;
 * - {@link HttpCacheStrategy}: same-origin subresources, cached by HTTP rules.
 * {@link installCacheDigestWorker} wires it to a worker's events.
 */
export class CacheDigestWorker {
  /** The index of {@link cacheName}'s entries. */
  readonly index: PersistentDigestIndex;
  /** The subresource cache. */
  readonly cache: HttpCacheStrategy;
  /** The navigation and push-stream intake. */
  readonly intake: NavigationIntake;
  /** The URLs the browser takes from {@link cacheName} without a fetch event (options.cacheRoutes). */
  readonly routes: CacheRoutes;
  /** The current pages' asset lists, kept first when the digest must leave entries out. */
  private readonly currentAssets = new CurrentAssets();
  /** When the pages last asked for a subresource: a stream's parts stay in memory, and pruning waits, until they are quiet. */
  private readonly activity = new PageActivity();

  /**
   * `scope` is the registration scope (`https://host/`), whose origin is the
   * only one this worker caches or sends digests to; `cacheName` the Cache
   * API cache it owns.
   */
  constructor(
    readonly scope: string,
    readonly cacheName: string,
    readonly options: ResolvedWorkerOptions,
  ) {
    const waiters = new PartWaiters();
    this.routes = new CacheRoutes(options.cacheRoutes, scope, cacheName);
    this.index = new PersistentDigestIndex({
      dbName: options.dbName,
      indexName: cacheName,
      cacheNames: async () => [cacheName],
      entryOf: (request, response) => this.cache.entryOf(request, response),
      deleteStrays: true,
      afterRebuild: () => this.cache.evict(),
    });
    this.cache = new HttpCacheStrategy(scope, cacheName, options, this.index, waiters);
    // After each push stream, entries of earlier deploys and long-unused ones leave the cache (docs/deploys.md).
    const pruneTarget = { values: () => this.index.values(), set: (...entries: IndexEntry[]) => this.index.set(...entries), retire: (urls: readonly string[]) => this.cache.forget(urls) };
    this.intake = new NavigationIntake(scope, options, this.index, this.cache, waiters, () => this.digest(), this.currentAssets, (page, assets, resolve) =>
      pruneAfterStream(pruneTarget, { page, assets, resolve, now: Date.now(), maxUnusedMs: options.maxUnusedMs }),
      () => this.activity.quiet(PAGE_QUIET_MS, PAGE_QUIET_MAX_MS),
      this.routes,
      () => this.activity.quiet(PAGE_SETTLED_MS, PAGE_SETTLED_MAX_MS),
    );
  }

  /** Loads the index from IndexedDB, or rebuilds it from the Cache API when missing or corrupt. Never rejects. */
  ready(): Promise<void> {
    return this.index.ready();
  }

  /** Number of entries and bytes indexed. */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.index.size, bytes: this.index.totalBytes };
  }

  /** The `Cache-Digest` header value a navigation would carry now. */
  digest(now: number = Date.now()): Promise<DigestSnapshot> {
    return this.index.digest(now, {
      pBits: this.options.pBits,
      marginMs: this.options.freshnessMarginMs,
      budget: this.options.digestBudget,
      isCurrent: (url) => this.currentAssets.has(url),
    });
  }

  /** Calls `listener` when navigation preload proved unusable in this browser (see NavigationIntake.onPreloadUnusable). */
  onPreloadUnusable(listener: () => Promise<void> | void): void {
    this.intake.onPreloadUnusable(listener);
  }

  /** Calls `listener` after each change of the index (an entry stored, refreshed, evicted or rebuilt). */
  onIndexChange(listener: () => void): void {
    this.index.onChange(listener);
  }

  /** True for requests this worker answers: same-origin, in scope, GET, not a range, not its own script. */
  handles(request: Request): boolean {
    if (request.method !== 'GET' || !request.url.startsWith(this.scope)) return false;
    if (request.headers.has('range') || request.cache === 'no-store' || request.cache === 'only-if-cached') return false;
    return new URL(request.url).pathname !== WORKER_PATH;
  }

  /** Answers a fetch event, or returns undefined to let the browser handle it. */
  handleFetch(event: FetchEvent, browserLoad?: Promise<boolean>): Promise<Response> | undefined {
    const request = event.request;
    if (!this.handles(request)) return undefined;
    const keepAlive: KeepAlive = (work) => event.waitUntil(work.catch(() => undefined));
    // `preloadResponse` is undefined where navigation preload is unsupported.
    const preload = (event as { preloadResponse?: Promise<Response | undefined> }).preloadResponse;
    return request.mode === 'navigate' ? this.navigate(request, keepAlive, preload, browserLoad) : this.subresource(request, keepAlive);
  }

  /** A navigation (see {@link NavigationIntake.handle}). */
  navigate(request: Request, keepAlive: KeepAlive, preload?: Promise<Response | undefined>, browserLoad?: Promise<boolean>): Promise<Response> {
    return this.intake.handle(request, keepAlive, preload, browserLoad);
  }

  /** A same-origin subresource (see {@link HttpCacheStrategy.handle}). */
  subresource(request: Request, keepAlive: KeepAlive): Promise<Response> {
    this.activity.note();
    return this.cache.handle(request, keepAlive);
  }

  /** Fetches and caches the same-origin URLs a page loaded before the worker controlled it. */
  warm(urls: readonly unknown[]): Promise<void> {
    return this.cache.warm(urls);
  }

  /** Deletes the caches of other versions of this worker (same prefix, other name). */
  deleteOldCaches(prefix: string): Promise<void> {
    return this.cache.deleteOldCaches(prefix);
  }

  /** Rebuilds the index by reading every stored response's headers (only when the index is missing or corrupt). */
  rebuild(): Promise<void> {
    return this.index.rebuild();
  }
}
