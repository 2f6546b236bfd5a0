import { isSameOriginPath } from '@cache-digest/shared';
import { cachePolicy } from '../sw/freshness.ts';
import { handOverPage } from '../sw/hand-over-page.ts';
import { createIndexEntry } from '../sw/index-entry.ts';
import { isPushStream } from '../sw/is-push-stream.ts';
import { pageKey } from '../sw/page-key.ts';
import { PartWaiters } from '../sw/part-waiters.ts';
import type { PersistentDigestIndex } from '../sw/persistent-digest-index.ts';
import { receivePushStream } from '../sw/receive-push-stream.ts';
import { cachedBody } from '../sw/cached-body.ts';
import type { BufferedResponse } from '../sw/stored-response.ts';
import { stripFragment } from '../sw/strip-fragment.ts';

/** Limits of the streams a Workbox worker takes in. */
export interface WorkboxStreamLimits {
  maxEntryBytes: number;
  maxParts: number;
  idleTimeoutMs: number;
  pageStallTimeoutMs: number;
  /** How long a request for an announced asset waits for its part before its strategy goes to the network. */
  partTimeoutMs: number;
}

/** Headers a 304 must not change in the stored response (RFC 9111 §3.2). */
const KEEP_ON_304 = new Set(['content-length', 'content-encoding', 'content-range', 'transfer-encoding', 'content-type']);
/**
 * Push-stream intake for a site's own Workbox worker: takes a navigation's
 * push stream apart, stores each verified asset part into the site's cache
 * `cacheName` (where its CacheFirst route finds it) and indexes it, and
 * returns the page part (or the page from the network when the page part
 * fails: docs/failure-handling.md). Requests for announced parts that are
 * not stored yet wait for them ({@link waitForPart}).
 */
export class WorkboxStreamIntake {
  private readonly waiters = new PartWaiters();
  private pruning: Promise<unknown> = Promise.resolve();

  constructor(
    /** `https://host`: the only origin whose parts are stored. */
    private readonly origin: string,
    private readonly cacheName: string,
    private readonly index: PersistentDigestIndex,
    private readonly limits: WorkboxStreamLimits,
    /** Called once a stream's parts are all stored, with the page's key and its current asset list (pruning, prune-after-stream.ts). */
    private readonly afterStream?: (page: string, assets: string | null, resolve: (path: string) => string | undefined) => Promise<unknown>,
  ) {}

  /** The navigation's response: `response` itself unless it is a push stream. `keepAlive` extends the fetch event. */
  async take(request: Request, response: Response, keepAlive: (work: Promise<unknown>) => void): Promise<Response> {
    if (!isPushStream(response)) return response;
    const resolve = (path: string) => this.resolvePath(path);
    // The stream owns its announcements: a later stream's announcement of the same URL is not settled or released by this one.
    const stream = {};
    const announced = this.waiters.announceAll(response.headers.get('push-stream-urls'), resolve, stream);
    const writes: Promise<unknown>[] = [];
    const { page, done } = receivePushStream(
      response.body!,
      {
        resolveUrl: resolve,
        onAsset: (url, part) => {
          this.waiters.settle(url, part, stream);
          writes.push(this.store(url, part).finally(() => this.waiters.release(url, stream)));
        },
        onNotModified: (url, headers) => {
          writes.push(this.refresh(url, headers).then((fresh) => this.waiters.settle(url, fresh, stream)));
        },
        onVoid: (url) => this.waiters.settle(url, undefined, stream),
        deltaBase: (url) => cachedBody(this.cacheName, url),
        onClose: () => {
          void Promise.allSettled(writes).then(() => {
            for (const url of announced) this.waiters.release(url, stream);
          });
        },
      },
      this.limits,
    );
    const assets = response.headers.get('push-stream-assets');
    // Prunings run one at a time in stream order: each applies its page's list over the one before (as navigation-intake.ts).
    const stored = done.then(() => Promise.allSettled(writes));
    this.pruning = Promise.all([this.pruning, stored])
      .then(() => this.afterStream?.(pageKey(request.url), assets, resolve))
      .catch(() => undefined);
    keepAlive(this.pruning);
    const pageResponse = await page;
    if (!pageResponse) return fetch(request);
    return handOverPage(request, response, pageResponse);
  }

  /** The part of an announced URL once it arrives (a fresh Response), or undefined: not announced, void or late. */
  async waitForPart(url: string): Promise<Response | undefined> {
    const key = stripFragment(url);
    if (!this.waiters.has(key)) return undefined;
    const part = await this.waiters.wait(key, this.limits.partTimeoutMs);
    return part && new Response(part.body.slice() as Uint8Array<ArrayBuffer>, { status: part.status, headers: part.headers });
  }

  private async store(url: string, part: BufferedResponse): Promise<void> {
    const now = Date.now();
    const policy = cachePolicy(part.status, part.headers, { requestTime: now, responseTime: now });
    // Only what a browser cache would keep, and only 200s: what a CacheFirst route expects to find.
    if (!policy.storable || part.status !== 200) return;
    const cache = await caches.open(this.cacheName);
    await cache.put(url, new Response(part.body.slice() as Uint8Array<ArrayBuffer>, { status: part.status, headers: part.headers }));
    await this.index.set(createIndexEntry({ url, etag: part.headers.get('etag'), policy, size: part.body.byteLength, now }));
  }

  private async refresh(url: string, notModified: Headers): Promise<BufferedResponse | undefined> {
    const cache = await caches.open(this.cacheName);
    const cached = await cache.match(url, { ignoreVary: true });
    if (!cached) return undefined;
    const etag = notModified.get('etag');
    if (etag !== null && cached.headers.has('etag') && cached.headers.get('etag') !== etag) return undefined;
    const headers = new Headers(cached.headers);
    notModified.forEach((value, name) => {
      if (!KEEP_ON_304.has(name)) headers.set(name, value);
    });
    const refreshed: BufferedResponse = { status: cached.status, headers, body: new Uint8Array(await cached.arrayBuffer()) };
    await this.store(url, refreshed);
    return refreshed;
  }

  /** The absolute URL of a same-origin path, or undefined; never the worker's own script. */
  private resolvePath(path: string): string | undefined {
    if (!isSameOriginPath(path)) return undefined;
    let url: string;
    try {
      url = stripFragment(new URL(path, `${this.origin}/`).href);
    } catch {
      return undefined;
    }
    if (!url.startsWith(`${this.origin}/`)) return undefined;
    const script = (globalThis as { location?: { href?: string } }).location?.href;
    return url === script ? undefined : url;
  }
}
