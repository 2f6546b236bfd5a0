/**
 * The worker's `cacheRoutes` (options.ts): same-origin path patterns
 * (URLPattern pathname syntax) of immutable URLs that the browser answers
 * straight from the worker's cache (Chromium's Service Worker static
 * routing: `addRoutes` with a `cacheName` source), without a fetch event. A
 * page's routed parts must therefore be in Cache Storage before the page
 * reaches the browser, which is why the navigation intake asks
 * {@link CacheRoutes.covers}. Where the browser has no static routing, or one
 * pattern is invalid, there are no routes at all.
 */
export class CacheRoutes {
  private readonly patterns: URLPattern[] = [];

  constructor(
    private readonly paths: readonly string[],
    /** Registration scope (`https://host/`): patterns apply to its origin only. */
    private readonly routeScope: string,
    private readonly routeCache: string,
  ) {
    try {
      // Only where the browser routes (Chromium): elsewhere a page would wait for writes no one reads first.
      if ('addRoutes' in (self as unknown as { InstallEvent: typeof ExtendableEvent }).InstallEvent.prototype) this.patterns = paths.map((pathname) => new URLPattern({ pathname, baseURL: routeScope }));
    } catch {
      // No InstallEvent or URLPattern (then no static routing either), or an invalid pattern, which would fail every route.
    }
  }

  /** True when the browser takes `url` (absolute) from the cache without asking the worker. */
  covers(url: string): boolean {
    return this.patterns.some((pattern) => pattern.test(url));
  }

  /** Registers the routes on an install event, where the browser supports it; never rejects. */
  addTo(event: ExtendableEvent): void {
    if (!this.patterns.length) return;
    event.waitUntil(
      (event as unknown as { addRoutes(rules: unknown[]): Promise<void> }).addRoutes(this.paths.map((pathname) => ({ condition: { urlPattern: { pathname, baseURL: this.routeScope } }, source: { cacheName: this.routeCache } }))).catch(() => undefined),
    );
  }
}
