import { ACCEPT_PUSH_STREAM_HEADER, CACHE_DIGEST_HEADER, NAVIGATION_PRELOAD_HEADER } from './header-names.ts';
import { parsePreloadValue } from './preload-value.ts';

/**
 * A read-only view of request headers: Web `Headers` is one; a Node header
 * record becomes one with {@link headerView}. `get` takes a lower-case name
 * and returns the value (repeated fields joined with `, `), or null/undefined.
 */
export interface HeaderView {
  get(name: string): string | null | undefined;
}

/** What a request asks of the delivery: a push stream or not, and its `Cache-Digest` value, if any. */
export interface DigestSignals {
  acceptsPushStream: boolean;
  /** The `Cache-Digest` value to read (still to be bounded and parsed). */
  cacheDigest: string | undefined;
}

/**
 * A {@link HeaderView} over Web `Headers`, a view already, or a Node-style
 * record with lower-case names (`string | string[]` values).
 */
export function headerView(headers: HeaderView | Record<string, string | string[] | undefined>): HeaderView {
  if (typeof (headers as HeaderView).get === 'function') return headers as HeaderView;
  const record = headers as Record<string, string | string[] | undefined>;
  return {
    get(name) {
      // Own properties only: a header named like an Object.prototype member must not read it.
      if (!Object.prototype.hasOwnProperty.call(record, name)) return undefined;
      const value = record[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * Reads a request's `accept-push-stream` and `cache-digest` headers, each
 * falling back, when absent, to its field in `Service-Worker-Navigation-Preload`
 * (see {@link parsePreloadValue}). Never throws.
 */
export function readNegotiation(headers: HeaderView): DigestSignals {
  const accept = text(headers.get(ACCEPT_PUSH_STREAM_HEADER));
  const digest = text(headers.get(CACHE_DIGEST_HEADER));
  if (accept !== undefined && digest !== undefined) return { acceptsPushStream: firstField(accept) === '1', cacheDigest: digest };
  const preload = parsePreloadValue(text(headers.get(NAVIGATION_PRELOAD_HEADER)));
  return {
    acceptsPushStream: accept !== undefined ? firstField(accept) === '1' : preload.acceptPushStream === '1',
    cacheDigest: digest ?? preload.cacheDigest,
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The first of repeated values (`1, 1` counts as `1`), trimmed. */
function firstField(value: string): string {
  const comma = value.indexOf(',');
  return (comma < 0 ? value : value.slice(0, comma)).trim();
}
