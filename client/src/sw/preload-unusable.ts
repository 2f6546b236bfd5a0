/**
 * Remembers, per browser build, that navigation preload cannot carry a push
 * stream here. WebKitGTK 2.50 (Safari's engine), once its Service Worker
 * process has been stopped, hands the worker a `preloadResponse` with the
 * stream's headers but a body it loads again without the
 * `Service-Worker-Navigation-Preload` header: a plain page, not a stream. The
 * flag is a Cache API entry holding the user agent, so a browser update tries
 * preload again; its cache name is outside the `<prefix>-` names that
 * `deleteOldCaches` removes on deploys.
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
    // caches.match with a cacheName, not caches.open: looking must not create the flag's cache.
    const stored = await caches.match(flagKey(scope), { cacheName: flagCache(prefix) });
    return stored !== undefined && (await stored.text()) === navigator.userAgent;
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
