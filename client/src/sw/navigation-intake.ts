import { CacheDigestError, isSameOriginPath } from '@cache-digest/shared';
import { WORKER_PATH } from '../paths.ts';
import type { CacheRoutes } from './cache-routes.ts';
import type { HttpCacheStrategy, KeepAlive } from './http-cache-strategy.ts';
import { isPushStream } from './is-push-stream.ts';
import { cachedBody } from './cached-body.ts';
import { pageKey } from './page-key.ts';
import type { ResolvedWorkerOptions } from './options.ts';
import { handOverPage } from './hand-over-page.ts';
import type { PartWaiters } from './part-waiters.ts';
import type { CurrentAssets } from './current-assets.ts';
import type { DigestSnapshot } from './digest-index.ts';
import type { PersistentDigestIndex } from './persistent-digest-index.ts';
import { sniffPageBody, withoutPreloadLinks } from './preload-unusable.ts';
import { receivePushStream } from './receive-push-stream.ts';
import { stripFragment } from './strip-fragment.ts';
import { within } from './within.ts';

/**
 * A navigation as the worker handles it: the request carries the digests
 * and `accept-push-stream: 1` (or they ride in navigation preload's header,
 * see docs/push-stream.md); a push stream in return is taken apart, its page
 * part answering the navigation once verified and its asset parts stored
 * into the {@link HttpCacheStrategy}'s cache as each one is verified. Any
 * other response goes to the page unchanged; whatever fails in the page part
 * sends the navigation to the network (docs/failure-handling.md).
 */
export class NavigationIntake {
  private readonly preloadUnusableListeners: (() => Promise<void> | void)[] = [];
  /** Prunings run one at a time, in the order of their streams: each applies its page's list over the one before. */
  private pruning: Promise<unknown> = Promise.resolve();

  constructor(
    /** Registration scope (`https://host/`): parts outside it are ignored. */
    readonly scope: string,
    private readonly options: ResolvedWorkerOptions,
    private readonly index: PersistentDigestIndex,
    private readonly cache: HttpCacheStrategy,
    private readonly waiters: PartWaiters,
    /** The navigation digest now (within the worker's byte budget). */
    private readonly digestNow: () => Promise<DigestSnapshot>,
    /** Where the page's current asset list (`push-stream-assets`) is recorded, to rank entries under the budget. */
    private readonly currentAssets: CurrentAssets,
    /** Called once a push stream's parts are all stored and the page is quiet, with the page's key and current asset list (pruning, prune-after-stream.ts). */
    private readonly afterStream: (page: string, assets: string | null, resolve: (path: string) => string | undefined) => Promise<unknown>,
    /**
     * Resolves when the page has stopped asking for subresources (page-activity.ts): until then a stream's
     * parts stay in memory for the page's requests, and pruning waits.
     */
    private readonly pageQuiet: () => Promise<void>,
    /** URLs the browser takes from the cache without a fetch event: the page waits until their parts are stored. */
    private readonly routes: CacheRoutes,
    /**
     * Resolves when the page's first burst of subresource requests is over: a part that arrives after the page
     * was handed over is stored then, not while the page loads (its copy in memory answers the page meanwhile).
     */
    private readonly pageSettled: () => Promise<void>,
  ) {}

  /**
   * Calls `listener` when a navigation preload response announced a push
   * stream but its body was not one (WebKit after its worker process was
   * stopped, see preload-unusable.ts): the installer then turns navigation preload off.
   */
  onPreloadUnusable(listener: () => Promise<void> | void): void {
    this.preloadUnusableListeners.push(listener);
  }

  /**
   * Answers a navigation. With `preload` (the event's `preloadResponse`),
   * the response the browser already requested with the digests in
   * `Service-Worker-Navigation-Preload` is used instead of a second request,
   * when there is one. With `browserLoad` resolving true (WebKit with
   * preload off, on the navigation that woke the worker), the page is taken
   * from the load the browser already sent without the worker's headers
   * (`fetch(request)` of the event's own request), see preload-unusable.ts.
   * `streamed` is called when a push stream's page part answered it.
   */
  async handle(request: Request, keepAlive: KeepAlive, preload?: Promise<Response | undefined>, browserLoad?: Promise<boolean>, streamed?: () => void): Promise<Response> {
    const requestTime = Date.now();
    let response = preload && (await preload.catch(() => undefined));
    const viaPreload = response !== undefined;
    if (response) {
      this.index.flushTouched();
    } else if (browserLoad && (await browserLoad)) {
      this.index.flushTouched();
      response = withoutPreloadLinks(await fetch(request));
    } else {
      const snapshot = await this.digestNow();
      this.index.flushTouched();
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
    const pagePath = pageKey(request.url);
    const assets = response.headers.get('push-stream-assets');
    const resolve = (path: string) => this.resolvePath(path);
    this.currentAssets.record(pagePath, assets, resolve);

    const stream = {};
    const announced = this.waiters.announceAll(response.headers.get('push-stream-urls'), resolve, stream);
    const sniffed = viaPreload ? sniffPageBody(response.body!) : undefined;
    const writes: Promise<unknown>[] = [];
    // Parts the browser will look for in Cache Storage itself (cache-routes.ts): the page waits until each
    // is stored, void or refused, or the stream is over.
    const routed = new Set(announced.filter((url) => this.routes.covers(url)));
    let allStored!: () => void;
    const stored = new Promise<void>((resolve) => (allStored = resolve));
    const storedOne = (url: string) => routed.delete(url) && !routed.size && allStored();
    if (!routed.size) allStored();
    /** Parts held in memory for the page's requests until it is quiet (their copies in Cache Storage may be a write behind). */
    const held = new Set<string>();
    let handedOver = false;
    let closeError: unknown;
    const { page, done } = receivePushStream(
      sniffed?.body ?? response.body!,
      {
        resolveUrl: resolve,
        onAsset: (url, part) => {
          this.waiters.settle(url, part, stream);
          held.add(url);
          // A part the cache refused is still the page's until it is quiet (and a routed one comes from the network).
          const times = { requestTime, responseTime: Date.now() };
          // Storing (Cache Storage, the index, the new digest) costs the worker's thread, and the browser's, the page's
          // time: once the page is loading, it waits for its burst of requests. (A routed part the page waited for was
          // stored before it was handed over; one that comes later comes too late for the page anyway.)
          const write = (handedOver ? this.pageSettled() : Promise.resolve())
            .then(() => this.cache.put(url, url, part, times, () => storedOne(url)))
            .catch(() => undefined);
          writes.push(write.then(() => storedOne(url)));
        },
        onNotModified: (url, notModified) => {
          writes.push(
            this.cache.refresh(url, notModified, { requestTime, responseTime: Date.now() }).then((fresh) => {
              this.waiters.settle(url, fresh, stream);
              if (fresh) held.add(url);
              storedOne(url);
            }),
          );
        },
        onVoid: (url) => {
          this.waiters.settle(url, undefined, stream);
          storedOne(url);
        },
        deltaBase: (url) => cachedBody(this.cache.cacheName, url),
        onClose: (error) => {
          closeError = error;
          // Every part has been read: the page waits for the writes still under way, not for more parts, and
          // announced parts that never came are released at once (their requests go to the network); a 304 part
          // still refreshing settles its own waiter first.
          void Promise.allSettled(writes).then(() => {
            allStored();
            for (const url of announced) if (!held.has(url)) this.waiters.release(url, stream);
          });
        },
      },
      // The worker's options carry the stream's limits under the same names, but the idle timeout.
      { ...this.options, idleTimeoutMs: this.options.streamIdleTimeoutMs },
    );
    // Once the page is quiet, its parts leave memory (they are in Cache Storage), and it is pruned: after the
    // prunings of earlier streams, whose lists the page records build on.
    const quiet = done
      .then(() => Promise.allSettled(writes))
      .then(() => this.pageQuiet())
      .then(() => {
        for (const url of held) this.waiters.release(url, stream);
      });
    this.pruning = Promise.all([this.pruning, quiet])
      .then(() => this.afterStream(pagePath, assets, resolve))
      .catch(() => undefined);
    keepAlive(this.pruning);
    const pageResponse = await page;
    if (!pageResponse && viaPreload) {
      // WebKit cold start (see preload-unusable.ts): the preload's body was no stream. Ask again with
      // the digests on the worker's own request rather than falling back to a request without them.
      let streamed = false;
      const retried = this.handle(request, keepAlive, undefined, undefined, () => (streamed = true));
      keepAlive(
        Promise.all([done, retried]).then(async () => {
          // WebKit's quirk only: a plain page where the preload announced a stream, while the worker's own request
          // got a stream. A corrupt or cut stream, or a page body on the worker's request too, is a fault elsewhere.
          if (streamed && closeError instanceof CacheDigestError && closeError.code === 'BAD_FRAME' && sniffed?.isPage()) await Promise.all(this.preloadUnusableListeners.map((listener) => listener()));
        }),
      );
      return retried;
    }
    // The page part failed (cut, corrupt, truncated, stalled): the page comes from the network, the stream goes on.
    if (!pageResponse) return fetch(request);
    // At most a stall's worth: a routed part still missing then comes from the network.
    await within(stored, this.options.pageStallTimeoutMs);
    streamed?.();
    handedOver = true;
    // A page that set a cookie comes from the network (the server, having seen the cookie, then sends hints).
    return handOverPage(request, response, pageResponse);
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
