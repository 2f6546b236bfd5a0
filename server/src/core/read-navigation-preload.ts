/** Name of the request header navigation preload sends (lower-case). */
export const NAVIGATION_PRELOAD_HEADER = 'service-worker-navigation-preload';

/** Most `name=value` parameters read before `cache-digest=`; more make the value malformed. */
const MAX_PARAMETERS = 8;

/** What a request asks of the delivery: push stream or not, and its `Cache-Digest` value, if any. */
export interface DigestSignals {
  acceptsPushStream: boolean;
  /** The `Cache-Digest` value to read (bounded and parsed by `readDigestHeader`). */
  cacheDigest: string | undefined;
}

/**
 * Reads a request's `accept-push-stream` and `cache-digest` headers, each
 * falling back, when absent, to its field in `Service-Worker-Navigation-Preload`
 * (the header a browser sends on a navigation it makes while the Service
 * Worker starts): `accept-push-stream=1; cache-digest=<Cache-Digest value>`,
 * where `cache-digest=` comes last and runs to the end of the value. Any
 * other preload value (the default `true`, or something malformed) gives
 * nothing. Never throws; the work is bounded by the value's length.
 */
export function readDigestSignals(headers: Record<string, string | string[] | undefined>): DigestSignals {
  const accept = firstValue(headers['accept-push-stream']);
  const digestHeader = headers['cache-digest'];
  const digest = Array.isArray(digestHeader) ? digestHeader.join(',') : digestHeader;
  if (accept !== undefined && digest !== undefined) return { acceptsPushStream: accept.trim() === '1', cacheDigest: digest };
  const preload = parsePreloadValue(firstValue(headers[NAVIGATION_PRELOAD_HEADER]));
  return {
    acceptsPushStream: accept !== undefined ? accept.trim() === '1' : preload.acceptPushStream === '1',
    cacheDigest: digest ?? preload.cacheDigest,
  };
}

function parsePreloadValue(value: string | undefined): { acceptPushStream?: string; cacheDigest?: string } {
  const fields: { acceptPushStream?: string; cacheDigest?: string } = {};
  if (value === undefined) return fields;
  let rest = value.trim();
  for (let count = 0; rest.length > 0; count++) {
    if (count > MAX_PARAMETERS) return {};
    const equals = rest.indexOf('=');
    if (equals <= 0) return {};
    const name = rest.slice(0, equals).trim().toLowerCase();
    if (name === 'cache-digest') {
      const digest = rest.slice(equals + 1).trim();
      if (digest.length > 0) fields.cacheDigest = digest;
      return fields;
    }
    const end = rest.indexOf(';');
    const parameter = rest.slice(equals + 1, end < 0 ? undefined : end).trim();
    if (name === 'accept-push-stream') fields.acceptPushStream = parameter;
    rest = end < 0 ? '' : rest.slice(end + 1).trim();
  }
  return fields;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
