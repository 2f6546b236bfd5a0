/** Request header carrying the client's digests (lower-case, as on the wire in HTTP/2). */
export const CACHE_DIGEST_HEADER = 'cache-digest';

/** Request header a Service Worker sends (`1`) when it can read a push stream. */
export const ACCEPT_PUSH_STREAM_HEADER = 'accept-push-stream';

/** Request header of navigation preload; the worker publishes its digests in it. */
export const NAVIGATION_PRELOAD_HEADER = 'service-worker-navigation-preload';

/**
 * The request headers a page response depends on when the server reads
 * digests: what its `Vary` must name.
 */
export const NEGOTIATION_VARY_HEADERS: readonly string[] = [CACHE_DIGEST_HEADER, ACCEPT_PUSH_STREAM_HEADER, NAVIGATION_PRELOAD_HEADER];

/**
 * Header a server puts on a push stream's page part in place of the page's
 * `Set-Cookie` (which a worker's synthesized response cannot apply): the
 * worker then asks the network for the page itself (docs/push-stream.md, Pages that set cookies).
 */
export const PAGE_SETS_COOKIE_HEADER = 'cache-digest-set-cookie';
