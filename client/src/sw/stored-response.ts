import { SOURCE_TIMING_METRIC, type WorkerSource } from './mark-source.ts';

/** Header the worker adds to each stored response: when it was received, and its body size. */
export const STORED_META_HEADER = 'x-cache-digest-stored';

/** A response body held in memory with its status and headers (a verified push-stream part, or a cached copy). */
export interface BufferedResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Statuses whose Response may not carry a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A fresh Response for a buffered one, marked with where it came from when
 * `source` is given (mark-source.ts). Built from the bytes, not from another
 * Response's body stream: the browser then takes the body whole instead of
 * pumping a stream through the worker's thread. (The Response copies the bytes.)
 */
export function toResponse(buffered: BufferedResponse, source?: WorkerSource): Response {
  // The Response copies its headers: a copy of our own only where one is added.
  let headers = buffered.headers;
  if (source) (headers = new Headers(headers)).append('server-timing', `${SOURCE_TIMING_METRIC};desc=${source}`);
  return new Response(NULL_BODY.has(buffered.status) ? null : (buffered.body as Uint8Array<ArrayBuffer>), { status: buffered.status, headers });
}

/** The Response to put into the Cache API: the body plus a header recording its receive time and size. */
export function toStoredResponse(buffered: BufferedResponse, receivedAt: number): Response {
  const headers = new Headers(buffered.headers);
  headers.set(STORED_META_HEADER, `${Math.round(receivedAt)};${buffered.body.byteLength}`);
  // The stored body is decoded, right for any Accept-Encoding: that Vary would keep the browser's own lookups
  // (cache routes, docs/cache-routes.md) from matching a copy stored under a bare URL.
  if (/^\s*accept-encoding\s*$/i.test(headers.get('vary') ?? '')) headers.delete('vary');
  // What the browser answers from the cache without the worker still tells the page where it came from
  // (mark-source.ts); the origin's timings of the first response mean nothing on a copy.
  headers.set('server-timing', `${SOURCE_TIMING_METRIC};desc=cache`);
  return new Response(buffered.body.slice() as Uint8Array<ArrayBuffer>, { status: buffered.status, headers });
}

/** Reads back the receive time and size a stored response carries; undefined when absent or malformed. */
export function readStoredMeta(headers: Headers): { receivedAt: number; size: number } | undefined {
  const match = /^(\d{1,15});(\d{1,15})$/.exec(headers.get(STORED_META_HEADER) ?? '');
  if (!match) return undefined;
  return { receivedAt: Number(match[1]), size: Number(match[2]) };
}
