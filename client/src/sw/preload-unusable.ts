/**
 * Remembers, per browser build, that navigation preload cannot carry a push
 * stream here. WebKitGTK 2.50 (Safari's engine), once its Service Worker
 * process has been stopped, hands the worker a `preloadResponse` with the
 * stream's headers but a body it loads again without the
 * `Service-Worker-Navigation-Preload` header: a plain page, not a stream. The
 * flag is a Cache API entry holding the user agent, so a browser update tries
 * preload again; its cache name is outside the `<prefix>-` names that
 * `deleteOldCaches` removes on deploys.
 *
 * With preload off, WebKit still sends a navigation that wakes a stopped
 * worker to the network itself (without the worker's headers) and hands that
 * load to `fetch(event.request)`; the worker takes it on its first
 * navigation rather than sending a second request (installCacheDigestWorker).
 */
function flagCache(prefix: string): string {
  return `${prefix}:navigation-preload-unusable`;
}

function flagKey(scope: string): string {
  return new URL('cache-digest-navigation-preload-unusable', scope).href;
}

/** True when {@link rememberPreloadUnusable} ran in this browser build. Never rejects. */
export async function isPreloadUnusable(prefix: string, scope: string): Promise<boolean> {
  try {
    // caches.has first: looking must not create the flag's cache. (A restarted WebKit worker found the cache
    // listed but no entry in it, through caches.match with a cacheName: so the cache's presence decides.)
    if (!(await caches.has(flagCache(prefix)))) return false;
    const stored = await (await caches.open(flagCache(prefix))).match(flagKey(scope));
    // The cache exists only to hold the flag: an entry lost with the worker process still counts; one from another
    // browser build (its user agent) does not.
    return stored === undefined || (await stored.text()) === navigator.userAgent;
  } catch {
    return false;
  }
}

/** Records that navigation preload is unusable in this browser build. Never rejects. */
export async function rememberPreloadUnusable(prefix: string, scope: string): Promise<void> {
  try {
    await (await caches.open(flagCache(prefix))).put(flagKey(scope), new Response(navigator.userAgent));
  } catch {
    // Without the flag, the next cold start pays the same extra request once more.
  }
}

/** UTF-8 byte order mark and the ASCII whitespace an HTML document may start with. */
const LEADING = new Set([0xef, 0xbb, 0xbf, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);

/**
 * Passes `body` through and tells whether it started like an HTML document
 * (`<` after an optional BOM and whitespace): what WebKit's reloaded preload
 * body is. A broken push stream (corrupt bytes, cut short) does not, so a
 * network fault never turns navigation preload off. `isPage()` is read once
 * the body has been consumed; false while no non-blank byte went through.
 */
export function sniffPageBody(body: ReadableStream<Uint8Array>): { body: ReadableStream<Uint8Array>; isPage: () => boolean } {
  let verdict: boolean | undefined;
  const sniffer = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (verdict === undefined) {
        const first = chunk.findIndex((byte) => !LEADING.has(byte));
        if (first >= 0) verdict = chunk[first] === 0x3c;
      }
      controller.enqueue(chunk);
    },
  });
  return { body: body.pipeThrough(sniffer), isPage: () => verdict === true };
}

/** One `Link` header entry: `<url>` and its parameters. */
const LINK_ENTRY = /<[^>]*>[^,]*/g;
const PRELOAD_REL = /;\s*rel\s*=\s*"?(?:[^";,]*\s)?(?:preload|modulepreload)(?:\s[^";,]*)?"?\s*(?:;|$)/i;

/**
 * The page response WebKit loaded on its own, without its `Link` preloads: a
 * request without digests gets the page's assets as preload hints, and
 * WebKit fetches the hints in a response header past the worker (which holds
 * them), so they would all cross the network again. The page still names
 * every asset; the worker answers them.
 */
export function withoutPreloadLinks(response: Response): Response {
  const link = response.headers.get('link');
  if (link === null || response.status < 200 || response.status > 299) return response;
  const kept = (link.match(LINK_ENTRY) ?? []).map((entry) => entry.trim()).filter((entry) => !PRELOAD_REL.test(entry));
  const headers = new Headers(response.headers);
  if (kept.length > 0) headers.set('link', kept.join(', '));
  else headers.delete('link');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
