import { formatPreloadValue, headerView, NAVIGATION_PRELOAD_HEADER, readNegotiation } from '@cache-digest/shared';

// The wire format lives once in @cache-digest/shared (negotiation), read by the servers with the same parser.
export { NAVIGATION_PRELOAD_HEADER };

/**
 * The `Service-Worker-Navigation-Preload` value that carries a navigation's
 * digests when the browser sends the navigation itself (navigation preload,
 * docs/push-stream.md): `accept-push-stream=1; cache-digest=<Cache-Digest
 * value>`. `cache-digest=` comes last; its value runs to the end.
 */
export function preloadHeaderValue(cacheDigestHeader: string): string {
  return formatPreloadValue(cacheDigestHeader);
}

/**
 * What a navigation request asks for, from its `accept-push-stream` and
 * `cache-digest` headers or, when they are absent, from its preload value,
 * read with the servers' parser. For tests and tools.
 */
export function navigationRequestSignals(headers: Record<string, string | string[] | undefined>): {
  acceptPushStream: string | undefined;
  cacheDigest: string | undefined;
} {
  const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const signals = readNegotiation(headerView(headers));
  const accept = single(headers['accept-push-stream']);
  return {
    acceptPushStream: accept ?? (signals.acceptsPushStream ? '1' : undefined),
    cacheDigest: signals.cacheDigest,
  };
}
