import { WORKER_PATH } from '../paths.ts';
import { cachePolicy } from './freshness.ts';
import { hashedIndexEntry } from './hashed-index-entry.ts';
import type { IndexEntry } from './index-entry.ts';
import type { ResolvedWorkerOptions } from './options.ts';
import type { PartWaiters } from './part-waiters.ts';
import type { PersistentDigestIndex } from './persistent-digest-index.ts';
import { readBounded } from './read-bounded.ts';
import { stripFragment } from './strip-fragment.ts';
import { readStoredMeta, toResponse, toStoredResponse, type BufferedResponse } from './stored-response.ts';

/** Extends the life of the event being handled (FetchEvent/ExtendableEvent `waitUntil`). */
export type KeepAlive = (work: Promise<unknown>) => void;

/** When a response was requested and received (epoch ms), for its freshness. */
export interface ResponseTimes {
  requestTime: number;
  responseTime: number;
}

/** Headers a 304 must not change in the stored response (RFC 9111 §3.2). */
const KEEP_ON_304 = new Set(['content-length', 'content-encoding', 'content-range', 'transfer-encoding', 'content-type']);
/** Bound on the URLs one warm-up message may ask for. */
const MAX_WARM_URLS = 256;

/**
 * The worker's cache of same-origin subresources, kept by HTTP caching rules
 * (RFC 9111): a fresh copy is served from Cache Storage, a stale one is
 * revalidated with its ETag or Last-Modified, anything else comes from the
 * network and is stored when it may be. Every write goes to Cache Storage
 * first and then to the index; removals go the other way, so the index never
 * names a response the cache lacks. Requests for parts an ongoing push
 * stream announced wait for the part instead (see {@link PartWaiters}).
 */
export class HttpCacheStrategy {
  constructor(
    /** Registration scope (`https://host/`): the only origin and path prefix cached. */
    readonly scope: string,
    /** The Cache API cache this strategy owns. */
    readonly cacheName: string,
    private readonly options: ResolvedWorkerOptions,
    private readonly index: PersistentDigestIndex,
    private readonly waiters: PartWaiters,
  ) {}

  /**
   * A same-origin subresource: an announced push-stream part when one is
   * coming, else the cached copy while fresh, else a revalidation with
   * If-None-Match, else the network (storing what may be stored).
   */
  async handle(request: Request, keepAlive: KeepAlive): Promise<Response> {
    const url = stripFragment(request.url);
    // A reload asks past every copy, the stream's included.
    if (request.cache !== 'reload' && this.waiters.has(url)) {
      const part = await this.waiters.wait(url, this.options.partTimeoutMs);
      if (part) return toResponse(part, 'stream');
    }
    await this.index.ready();
    const entry = this.index.get(url);
    if (entry && request.cache !== 'reload') {
      const cache = await caches.open(this.cacheName);
      const cached = await cache.match(request);
      if (cached) {
        const now = Date.now();
        if (entry.freshUntil > now && (request.cache !== 'no-cache' || entry.immutable)) {
          this.index.touch(entry, now);
          // The stored copy carries its `cache` mark (stored-response.ts).
          return cached;
        }
        if (request.cache === 'force-cache') return cached;
        return this.revalidate(request, url, entry, cached, keepAlive);
      }
      // Gone from the cache (or another variant of it): the index follows.
      if (!(await cache.match(url, { ignoreVary: true }))) keepAlive(this.forget([url]));
    }
    return this.fromNetwork(request, url, keepAlive);
  }

  /** Fetches and caches the same-origin URLs a page loaded before the worker controlled it. */
  async warm(urls: readonly unknown[]): Promise<void> {
    await this.index.ready();
    const wanted = new Set<string>();
    for (const raw of urls.slice(0, MAX_WARM_URLS)) {
      if (typeof raw !== 'string' || !raw.startsWith(this.scope)) continue;
      const url = stripFragment(raw);
      if (new URL(url).pathname === WORKER_PATH || this.index.get(url)) continue;
      wanted.add(url);
    }
    const writes: Promise<unknown>[] = [];
    await Promise.allSettled(
      [...wanted].map(async (url) => {
        const request = new Request(url, { credentials: 'same-origin' });
        const response = await this.fromNetwork(request, url, (work) => writes.push(work));
        await response.body?.cancel();
      }),
    );
    await Promise.allSettled(writes);
  }

  /**
   * Stores one response under `key` (a pushed part, which has no request of
   * its own, is keyed by its URL) and indexes it, or drops the URL when the
   * response may not be stored; then evicts to the budget. `stored` is
   * called as soon as Cache Storage holds it (before the index write).
   */
  async put(key: Request | string, url: string, response: BufferedResponse, times: ResponseTimes, stored?: () => void): Promise<void> {
    await this.index.ready();
    const policy = cachePolicy(response.status, response.headers, times);
    if (!policy.storable || response.body.byteLength > this.options.maxEntryBytes) {
      if (this.index.get(url)) await this.forget([url]);
      return;
    }
    const cache = await caches.open(this.cacheName);
    // Another variant of the URL (another Vary) would stay beside the new one: deleted first, when there is one.
    if (this.index.get(url)) await cache.delete(url, { ignoreVary: true });
    await cache.put(typeof key === 'string' ? url : key, toStoredResponse(response, times.responseTime));
    stored?.();
    const entry = await hashedIndexEntry({ url, etag: response.headers.get('etag'), policy, size: response.body.byteLength, now: times.responseTime });
    await this.index.set(entry);
    await this.evict();
  }

  /** Applies a 304's headers to the stored copy; returns it refreshed, or undefined when there is no matching copy. */
  async refresh(url: string, notModified: Headers, times: ResponseTimes): Promise<BufferedResponse | undefined> {
    await this.index.ready();
    const entry = this.index.get(url);
    const cache = await caches.open(this.cacheName);
    const cached = await cache.match(url, { ignoreVary: true });
    if (!entry || !cached) return undefined;
    const etag = notModified.get('etag');
    if (etag !== null && entry.etag !== undefined && etag !== entry.etag) return undefined;
    const headers = new Headers(cached.headers);
    notModified.forEach((value, name) => {
      if (!KEEP_ON_304.has(name)) headers.set(name, value);
    });
    const refreshed: BufferedResponse = { status: cached.status, headers, body: new Uint8Array(await cached.arrayBuffer()) };
    await this.put(url, url, refreshed, times);
    return refreshed;
  }

  /** The index entry of a response this strategy stored (for a rebuild); undefined for anything else. */
  async entryOf(request: Request, response: Response): Promise<IndexEntry | undefined> {
    const meta = readStoredMeta(response.headers);
    if (!meta || !request.url.startsWith(this.scope)) return undefined;
    const times = { requestTime: meta.receivedAt, responseTime: meta.receivedAt };
    const policy = cachePolicy(response.status, response.headers, times);
    return hashedIndexEntry({ url: stripFragment(request.url), etag: response.headers.get('etag'), policy, size: meta.size, now: meta.receivedAt });
  }

  /** Evicts least recently used entries beyond the budget. */
  async evict(): Promise<void> {
    const victims = this.index.evictionCandidates({ maxEntries: this.options.maxEntries, maxBytes: this.options.maxBytes });
    if (victims.length > 0) await this.forget(victims);
  }

  /** Deletes the caches of other versions of this worker (same prefix, other name). */
  async deleteOldCaches(prefix: string): Promise<void> {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(`${prefix}-`) && name !== this.cacheName).map((name) => caches.delete(name)));
  }

  private async fromNetwork(request: Request, url: string, keepAlive: KeepAlive): Promise<Response> {
    const requestTime = Date.now();
    const response = await fetch(request);
    if (isStorable(response)) keepAlive(this.storeNetworkResponse(request, url, response.clone(), requestTime));
    return response;
  }

  private async revalidate(request: Request, url: string, entry: IndexEntry, cached: Response, keepAlive: KeepAlive): Promise<Response> {
    const lastModified = cached.headers.get('last-modified');
    if (entry.etag === undefined && lastModified === null) return this.fromNetwork(request, url, keepAlive);
    const headers = new Headers(request.headers);
    if (entry.etag !== undefined) headers.set('if-none-match', entry.etag);
    else headers.set('if-modified-since', lastModified!);
    const requestTime = Date.now();
    let response: Response;
    try {
      // `same-origin` mode keeps the validator header, which a `no-cors` request would drop.
      response = await fetch(new Request(url, { headers, mode: 'same-origin', credentials: request.credentials, cache: 'no-store' }));
    } catch (error) {
      if (!entry.mustRevalidate) return cached; // stale beats nothing when the network is gone
      throw error;
    }
    if (response.status === 304) {
      const refreshed = await this.refresh(url, response.headers, { requestTime, responseTime: Date.now() });
      if (refreshed) return toResponse(refreshed);
      return this.fromNetwork(request, url, keepAlive);
    }
    // The site no longer serves it (a deploy removed it): the entry is retired.
    if (response.status === 404 || response.status === 410) keepAlive(this.forget([url]));
    if (isStorable(response)) keepAlive(this.storeNetworkResponse(request, url, response.clone(), requestTime));
    return response;
  }

  /** Reads a network response (within the size limit) and stores it. */
  private async storeNetworkResponse(request: Request, url: string, response: Response, requestTime: number): Promise<void> {
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > this.options.maxEntryBytes) return void response.body?.cancel();
    const body = await readBounded(response, this.options.maxEntryBytes);
    if (!body) return;
    await this.put(request, url, { status: response.status, headers: new Headers(response.headers), body }, { requestTime, responseTime: Date.now() });
  }

  /**
   * Runs between an entry leaving the index and leaving Cache Storage: the
   * installer republishes the navigation preload digest here, so that no
   * navigation names a body already gone (a server would send a delta
   * against it that the worker cannot apply).
   */
  beforeDelete: () => Promise<unknown> = () => Promise.resolve();

  /** Removes entries from the index (memory, IndexedDB), then from the Cache API. */
  async forget(urls: readonly string[]): Promise<void> {
    await this.index.delete(urls);
    await this.beforeDelete().catch(() => undefined);
    const cache = await caches.open(this.cacheName);
    await Promise.all(urls.map((url) => cache.delete(url, { ignoreVary: true })));
  }
}

function isStorable(response: Response): boolean {
  return response.status === 200 && response.type === 'basic' && !response.redirected && response.body !== null;
}
