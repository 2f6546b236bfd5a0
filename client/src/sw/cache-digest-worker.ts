import { isSameOriginPath, PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';
import { WORKER_PATH } from '../paths.ts';
import { DigestIndex, type DigestSnapshot } from './digest-index.ts';
import { CurrentAssets } from './current-assets.ts';
import { cachePolicy } from './freshness.ts';
import { createIndexEntry, type IndexEntry } from './index-entry.ts';
import { IndexStore } from './index-store.ts';
import type { ResolvedWorkerOptions } from './options.ts';
import { PartWaiters } from './part-waiters.ts';
import { receivePushStream } from './receive-push-stream.ts';
import { readStoredMeta, toResponse, toStoredResponse, type BufferedResponse } from './stored-response.ts';

/** Extends the life of the event being handled (FetchEvent/ExtendableEvent `waitUntil`). */
export type KeepAlive = (work: Promise<unknown>) => void;

/** Headers a 304 must not change in the stored response (RFC 9111 §3.2). */
const KEEP_ON_304 = new Set(['content-length', 'content-encoding', 'content-range', 'transfer-encoding', 'content-type']);
/** Bound on the URLs one warm-up message may ask for. */
const MAX_WARM_URLS = 256;
/** Bound on `push-stream-urls` entries honoured. */
const MAX_ANNOUNCED = 512;
const LRU_FLUSH_DELAY_MS = 2000;

/**
 * The Service Worker's logic, independent of how it is installed: a cache of
 * same-origin subresources kept by HTTP caching rules, an index of it (memory
 * + IndexedDB) from which every navigation's `Cache-Digest` header is built,
 * and the receiver of push streams. {@link installCacheDigestWorker} wires it
 * to a worker's events; a Workbox site can use the pieces directly.
 */
export class CacheDigestWorker {
  private readonly index = new DigestIndex();
  private readonly waiters = new PartWaiters();
  private store: IndexStore | undefined;
  private loading: Promise<void> | undefined;
  private readonly touched = new Map<string, IndexEntry>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly digestListeners: (() => void)[] = [];
  private readonly currentAssets = new CurrentAssets();

  /**
   * `scope` is the registration scope (`https://host/`), whose origin is the
   * only one this worker caches or sends digests to; `cacheName` the Cache
   * API cache it owns.
   */
  constructor(
    readonly scope: string,
    readonly cacheName: string,
    readonly options: ResolvedWorkerOptions,
  ) {}

  /** Loads the index from IndexedDB, or rebuilds it from the Cache API when missing or corrupt. Never rejects. */
  ready(): Promise<void> {
    this.loading ??= this.load().catch(() => {
      // Without IndexedDB the worker still runs, with an index in memory only.
      this.store = undefined;
    });
    return this.loading;
  }

  /** Number of entries and bytes indexed. */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.index.size, bytes: this.index.totalBytes };
  }

  /** The `Cache-Digest` header value a navigation would carry now. */
  async digest(now: number = Date.now()): Promise<DigestSnapshot> {
    await this.ready();
    return this.index.digest(now, {
      pBits: this.options.pBits,
      marginMs: this.options.freshnessMarginMs,
      budget: this.options.digestBudget,
      isCurrent: (url) => this.currentAssets.has(url),
    });
  }

  /** Calls `listener` after each change of the index (an entry stored, refreshed, evicted or rebuilt). */
  onIndexChange(listener: () => void): void {
    this.digestListeners.push(listener);
  }

  /** True for requests this worker answers: same-origin, in scope, GET, not a range, not its own script. */
  handles(request: Request): boolean {
    if (request.method !== 'GET' || !request.url.startsWith(this.scope)) return false;
    if (request.headers.has('range') || request.cache === 'no-store' || request.cache === 'only-if-cached') return false;
    return new URL(request.url).pathname !== WORKER_PATH;
  }

  /** Answers a fetch event, or returns undefined to let the browser handle it. */
  handleFetch(event: FetchEvent): Promise<Response> | undefined {
    const request = event.request;
    if (!this.handles(request)) return undefined;
    const keepAlive: KeepAlive = (work) => event.waitUntil(work.catch(() => undefined));
    // `preloadResponse` is undefined where navigation preload is unsupported.
    const preload = (event as { preloadResponse?: Promise<Response | undefined> }).preloadResponse;
    return request.mode === 'navigate' ? this.navigate(request, keepAlive, preload) : this.subresource(request, keepAlive);
  }

  /**
   * A navigation: sends the digests and `accept-push-stream: 1`; a push
   * stream's page part is returned at once while its assets are stored as
   * they complete. Anything else from the server is returned unchanged.
   * With `preload` (the event's `preloadResponse`), the response the browser
   * already requested with the digests in `Service-Worker-Navigation-Preload`
   * is used instead of a second request, when there is one.
   */
  async navigate(request: Request, keepAlive: KeepAlive, preload?: Promise<Response | undefined>): Promise<Response> {
    const requestTime = Date.now();
    let response = preload && (await preload.catch(() => undefined));
    if (response) {
      this.flushTouched();
    } else {
      const snapshot = await this.digest();
      this.flushTouched();
      const headers = new Headers(request.headers);
      headers.set('cache-digest', snapshot.header);
      headers.set('accept-push-stream', '1');
      try {
        // no-store: the HTTP cache must not turn this into a conditional request, whose 304 would
        // land inside the stream's page part; the stream itself is `private, no-store` anyway.
        response = await fetch(new Request(request, { headers, cache: 'no-store' }));
      } catch {
        return fetch(request);
      }
    }
    if (!isPushStream(response)) return response;
    this.currentAssets.record(stripFragment(request.url), response.headers.get('push-stream-assets'), (path) => this.resolvePath(path));

    const announced: string[] = [];
    for (const path of (response.headers.get('push-stream-urls') ?? '').split(',').slice(0, MAX_ANNOUNCED)) {
      const url = this.resolvePath(path.trim());
      if (url === undefined) continue;
      announced.push(url);
      this.waiters.announce(url);
    }
    const writes: Promise<unknown>[] = [];
    const { page, done } = receivePushStream(
      response.body!,
      {
        resolveUrl: (path) => this.resolvePath(path),
        onAsset: (url, part) => {
          this.waiters.settle(url, part);
          writes.push(this.put(url, url, part, { requestTime, responseTime: Date.now() }).finally(() => this.waiters.release(url)));
        },
        onNotModified: (url, notModified) => {
          writes.push(
            this.refresh(url, notModified, { requestTime, responseTime: Date.now() }).then((fresh) => this.waiters.settle(url, fresh)),
          );
        },
        onVoid: (url) => this.waiters.settle(url, undefined),
        onClose: () => {
          // A 304 part still refreshing settles its own waiter.
          void Promise.allSettled(writes).then(() => {
            for (const url of announced) this.waiters.release(url);
          });
        },
      },
      { maxEntryBytes: this.options.maxEntryBytes, maxParts: this.options.maxParts, idleTimeoutMs: this.options.streamIdleTimeoutMs },
    );
    keepAlive(done.then(() => Promise.allSettled(writes)));
    const pageResponse = await page;
    if (!pageResponse) return fetch(request);
    const summary = response.headers.get('cache-digest-push');
    if (summary !== null) pageResponse.headers.set('cache-digest-push', summary);
    // The page reads the summary from its navigation's Server-Timing entry.
    const timing = response.headers.get('server-timing');
    if (timing !== null) pageResponse.headers.set('server-timing', timing);
    return pageResponse;
  }

  /**
   * A same-origin subresource: an announced push-stream part when one is
   * coming, else the cached copy while fresh, else a revalidation with
   * If-None-Match, else the network (storing what may be stored).
   */
  async subresource(request: Request, keepAlive: KeepAlive): Promise<Response> {
    const url = stripFragment(request.url);
    if (this.waiters.has(url)) {
      const part = await this.waiters.wait(url, this.options.partTimeoutMs);
      if (part) return toResponse(part);
    }
    await this.ready();
    const entry = this.index.get(url);
    if (entry && request.cache !== 'reload') {
      const cache = await caches.open(this.cacheName);
      const cached = await cache.match(request);
      if (cached) {
        const now = Date.now();
        if (entry.freshUntil > now && (request.cache !== 'no-cache' || entry.immutable)) {
          this.touch(entry, now);
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
    await this.ready();
    const wanted = new Set<string>();
    for (const raw of urls.slice(0, MAX_WARM_URLS)) {
      if (typeof raw !== 'string' || !raw.startsWith(this.scope)) continue;
      const url = stripFragment(raw);
      const { pathname } = new URL(url);
      if (pathname === WORKER_PATH || this.index.get(url)) continue;
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

  /** Applies a 304's headers to the stored copy; returns it refreshed, or undefined when there is no matching copy. */
  private async refresh(url: string, notModified: Headers, times: { requestTime: number; responseTime: number }): Promise<BufferedResponse | undefined> {
    await this.ready();
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

  /**
   * Stores one response and its index entry, or drops the URL when the
   * response may not be stored; then evicts to the budget. The Cache API is
   * written before the index, and entries are removed from the index before
   * the Cache API, so the index never names a response the cache lacks.
   */
  private async put(key: Request | string, url: string, response: BufferedResponse, times: { requestTime: number; responseTime: number }): Promise<void> {
    await this.ready();
    const policy = cachePolicy(response.status, response.headers, times);
    if (!policy.storable || response.body.byteLength > this.options.maxEntryBytes) {
      if (this.index.get(url)) await this.forget([url]);
      return;
    }
    const cache = await caches.open(this.cacheName);
    await cache.delete(url, { ignoreVary: true });
    // A pushed part has no request of its own: key it by URL.
    await cache.put(typeof key === 'string' ? url : key, toStoredResponse(response, times.responseTime));
    const entry = createIndexEntry({ url, etag: response.headers.get('etag'), policy, size: response.body.byteLength, now: times.responseTime });
    this.index.set(entry);
    this.indexChanged();
    await this.store?.put([entry]).catch(() => undefined);
    await this.evict();
  }

  private async evict(): Promise<void> {
    const victims = this.index.evictionCandidates({ maxEntries: this.options.maxEntries, maxBytes: this.options.maxBytes });
    if (victims.length > 0) await this.forget(victims);
  }

  /** Removes entries from the index, IndexedDB and the Cache API, in that order. */
  private async forget(urls: readonly string[]): Promise<void> {
    for (const url of urls) {
      this.index.delete(url);
      this.touched.delete(url);
    }
    this.indexChanged();
    await this.store?.delete(urls).catch(() => undefined);
    const cache = await caches.open(this.cacheName);
    await Promise.all(urls.map((url) => cache.delete(url, { ignoreVary: true })));
  }

  /** Records a use for LRU; written to IndexedDB in batches, since losing one only blurs eviction order. */
  private touch(entry: IndexEntry, now: number): void {
    entry.lastUsed = now;
    this.touched.set(entry.url, entry);
    this.flushTimer ??= setTimeout(() => this.flushTouched(), LRU_FLUSH_DELAY_MS);
  }

  private flushTouched(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.touched.size === 0) return;
    const entries = [...this.touched.values()];
    this.touched.clear();
    void this.store?.put(entries).catch(() => undefined);
  }

  private async load(): Promise<void> {
    try {
      this.store = await IndexStore.open(this.options.dbName);
    } catch {
      this.store = undefined;
    }
    const loaded = await this.store?.load(this.cacheName).catch(() => ({ status: 'corrupt' as const }));
    if (loaded?.status === 'ok') {
      for (const entry of loaded.entries) this.index.set(entry);
      this.indexChanged();
      return;
    }
    await this.rebuild();
  }

  private indexChanged(): void {
    for (const listener of this.digestListeners) listener();
  }

  /** Rebuilds the index by reading every stored response's headers (only when the index is missing or corrupt). */
  async rebuild(): Promise<void> {
    this.index.clear();
    const cache = await caches.open(this.cacheName);
    const requests = await cache.keys();
    const strays: Request[] = [];
    for (const request of requests) {
      const response = await cache.match(request, { ignoreVary: true });
      const meta = response && readStoredMeta(response.headers);
      if (!response || !meta || !request.url.startsWith(this.scope)) {
        strays.push(request);
        continue;
      }
      const times = { requestTime: meta.receivedAt, responseTime: meta.receivedAt };
      const policy = cachePolicy(response.status, response.headers, times);
      const url = stripFragment(request.url);
      this.index.set(createIndexEntry({ url, etag: response.headers.get('etag'), policy, size: meta.size, now: meta.receivedAt }));
    }
    this.indexChanged();
    await Promise.all(strays.map((request) => cache.delete(request, { ignoreVary: true })));
    await this.store?.replaceAll(this.cacheName, this.index.values()).catch(() => undefined);
    await this.evict();
  }

  /** The absolute URL of an in-scope same-origin path, or undefined. */
  private resolvePath(path: string): string | undefined {
    if (!isSameOriginPath(path)) return undefined;
    let url: string;
    try {
      url = stripFragment(new URL(path, this.scope).href);
    } catch {
      return undefined;
    }
    if (!url.startsWith(this.scope)) return undefined;
    // The worker script is never taken from a stream: its updates must come from the network.
    return new URL(url).pathname === WORKER_PATH ? undefined : url;
  }
}

function isPushStream(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return (
    response.status === 200 &&
    response.type === 'basic' &&
    response.body !== null &&
    response.headers.has('push-stream-urls') &&
    type.replace(/\s+/g, '').toLowerCase() === PUSH_STREAM_CONTENT_TYPE.replace(/\s+/g, '')
  );
}

function isStorable(response: Response): boolean {
  return response.status === 200 && response.type === 'basic' && !response.redirected && response.body !== null;
}

function stripFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}

/** The whole body, or undefined once it exceeds `limit` bytes (then the read is cancelled). */
async function readBounded(response: Response, limit: number): Promise<Uint8Array | undefined> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}
