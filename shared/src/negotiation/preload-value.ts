/** Most `name=value` fields read before `cache-digest=`; more make the value malformed. */
const MAX_FIELDS = 8;

/** The fields of a `Service-Worker-Navigation-Preload` value this kit writes. */
export interface PreloadValueFields {
  /** The `accept-push-stream=` field, as written (`1` asks for a push stream). */
  acceptPushStream?: string;
  /** The `cache-digest=` field: a `Cache-Digest` header value. */
  cacheDigest?: string;
}

/**
 * The `Service-Worker-Navigation-Preload` value that carries a navigation's
 * digests when the browser sends the navigation itself (navigation preload):
 * `accept-push-stream=1; cache-digest=<Cache-Digest value>`. `cache-digest=`
 * comes last; its value runs to the end.
 */
export function formatPreloadValue(cacheDigestHeader: string): string {
  return `accept-push-stream=1; cache-digest=${cacheDigestHeader}`;
}

/**
 * Reads a navigation preload value: `name=value` fields separated by `;`,
 * `cache-digest=` last and running to the end of the value, at most 8
 * fields before it, unknown ones ignored. Any other value (the default
 * `true`, or something malformed) gives no fields. Never throws; the work
 * is bounded by the value's length.
 */
export function parsePreloadValue(value: string | null | undefined): PreloadValueFields {
  const fields: PreloadValueFields = {};
  if (typeof value !== 'string') return fields;
  let rest = value.trim();
  for (let count = 0; rest.length > 0; count++) {
    if (count > MAX_FIELDS) return {};
    const equals = rest.indexOf('=');
    if (equals <= 0) return {};
    const name = rest.slice(0, equals).trim().toLowerCase();
    if (name === 'cache-digest') {
      const digest = rest.slice(equals + 1).trim();
      if (digest.length > 0) fields.cacheDigest = digest;
      return fields;
    }
    const end = rest.indexOf(';');
    const field = rest.slice(equals + 1, end < 0 ? undefined : end).trim();
    if (name === 'accept-push-stream') fields.acceptPushStream = field;
    rest = end < 0 ? '' : rest.slice(end + 1).trim();
  }
  return fields;
}
