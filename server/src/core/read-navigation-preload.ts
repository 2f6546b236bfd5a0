import { headerView, readNegotiation, type DigestSignals, type HeaderView } from '@cache-digest/shared';

export { NAVIGATION_PRELOAD_HEADER, type DigestSignals } from '@cache-digest/shared';

/**
 * Reads a request's `accept-push-stream` and `cache-digest` headers, each
 * falling back, when absent, to its field in `Service-Worker-Navigation-Preload`
 * (the header a browser sends on a navigation it makes while the Service
 * Worker starts): `accept-push-stream=1; cache-digest=<Cache-Digest value>`.
 * The wire format and its parser live in `@cache-digest/shared` (negotiation),
 * shared with the worker that writes it. Takes Web `Headers`, any
 * `get(name)` view, or a Node header record. Never throws.
 */
export function readDigestSignals(headers: HeaderView | Record<string, string | string[] | undefined>): DigestSignals {
  return readNegotiation(headerView(headers));
}
