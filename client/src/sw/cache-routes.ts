/** Characters with a meaning in URLPattern syntax other than `*`: patterns holding them are refused. */
const SPECIAL = /[:(){}?+\\]/;

/**
 * The worker's `cacheRoutes` (options.ts): same-origin path patterns of
 * immutable URLs that the browser answers straight from the worker's cache
 * (Chromium's Service Worker static routing, `addRoutes` with a `cacheName`
 * source), without a fetch event. A page's routed parts must therefore be in
 * Cache Storage before the page reaches the browser, which is why the
 * navigation intake asks {@link CacheRoutes.matches}. `*` matches any
 * characters; every other character stands for itself, so the worker and the
 * browser agree on what a pattern matches.
 */
export class CacheRoutes {
  private readonly patterns: string[];
  private readonly expressions: RegExp[];

  constructor(
    patterns: readonly string[],
    /** Registration scope (`https://host/`): patterns apply to its origin only. */
    private readonly scope: string,
    private readonly cacheName: string,
  ) {
    this.patterns = patterns.filter((pattern) => pattern.startsWith('/') && !SPECIAL.test(pattern));
    this.expressions = this.patterns.map((pattern) => new RegExp(`^${pattern.split('*').map((piece) => piece.replace(/[.^$|[\]]/g, '\\$&')).join('.*')}$`));
  }

  /** True when the browser serves `url` (absolute, no fragment) from the cache without asking the worker. */
  matches(url: string): boolean {
    if (!url.startsWith(new URL(this.scope).origin + '/')) return false;
    const path = new URL(url).pathname;
    return this.expressions.some((expression) => expression.test(path));
  }

  /**
   * Registers the routes on an install event, where the browser supports it.
   * Never rejects: without them every request reaches the fetch handler, as before.
   */
  register(event: ExtendableEvent): void {
    const addRoutes = (event as { addRoutes?: (rules: unknown[]) => Promise<void> }).addRoutes;
    if (this.patterns.length === 0 || typeof addRoutes !== 'function') return;
    const rules = this.patterns.map((pathname) => ({ condition: { urlPattern: { pathname, baseURL: this.scope } }, source: { cacheName: this.cacheName } }));
    event.waitUntil(addRoutes.call(event, rules).catch(() => undefined));
  }
}
