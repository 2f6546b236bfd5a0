/** Request header of navigation preload (lower-case). */
export const NAVIGATION_PRELOAD_HEADER = 'service-worker-navigation-preload';

const PREFIX = 'accept-push-stream=1; cache-digest=';

/**
 * The `Service-Worker-Navigation-Preload` value that carries a navigation's
 * digests when the browser sends the navigation itself (navigation preload,
 * docs/push-stream.md): `accept-push-stream=1; cache-digest=<Cache-Digest
 * value>`. `cache-digest=` comes last; its value runs to the end.
 */
export function preloadHeaderValue(cacheDigestHeader: string): string {
  return PREFIX + cacheDigestHeader;
}

/**
 * What a navigation request asks for, from its `accept-push-stream` and
 * `cache-digest` headers or, when they are absent, from a preload value this
 * worker wrote. For tests and tools; servers read it with their own parser.
 */
export function navigationRequestSignals(headers: Record<string, string | string[] | undefined>): {
  acceptPushStream: string | undefined;
  cacheDigest: string | undefined;
} {
  const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const preload = single(headers[NAVIGATION_PRELOAD_HEADER]);
  const fromPreload = preload?.startsWith(PREFIX) ? preload.slice(PREFIX.length) : undefined;
  return {
    acceptPushStream: single(headers['accept-push-stream']) ?? (fromPreload === undefined ? undefined : '1'),
    cacheDigest: single(headers['cache-digest']) ?? fromPreload,
  };
}
