import { within } from './within.ts';
import { needsBodySha256, partIntegrityProblem, PushStreamReader, type PushStreamEvent, type PushStreamHeadEvent } from '@cache-digest/shared';
import { concatBytes } from './concat-bytes.ts';
import { decodeDelta } from './delta-part.ts';
import { readBounded } from './read-bounded.ts';
import { toResponse, type BufferedResponse } from './stored-response.ts';

/** What the receiver needs from the worker. */
export interface PushStreamSink {
  /** Absolute URL for an in-scope same-origin path; undefined for anything else (the part is ignored). */
  resolveUrl(path: string): string | undefined;
  /** A complete, verified asset part (200 or other status with its body). */
  onAsset(url: string, part: BufferedResponse): void;
  /** A 304 part: the stored copy is still current; refresh it with these headers. */
  onNotModified(url: string, headers: Headers): void;
  /** The part for `url` is void (aborted, truncated, corrupt, too large): the page must use the network. */
  onVoid(url: string, reason: string): void;
  /** The stream is over, cleanly or not; anything still announced is void. */
  onClose(error?: unknown): void;
  /**
   * The body this worker holds for `url` (absolute), the base of a delta part; undefined when it holds none.
   * Without it, delta parts are void (fetched from the network).
   */
  deltaBase?(url: string): Promise<Uint8Array | undefined>;
}

/** Limits of one stream. */
export interface ReceiveLimits {
  /** Largest part (page or asset) held in memory; a larger page is fetched from the network instead. */
  maxEntryBytes: number;
  maxParts: number;
  /** A stream silent this long is abandoned. */
  idleTimeoutMs: number;
  /** While the page part is not complete, a stream silent this long gives the page up to the network. Default 1,000. */
  pageStallTimeoutMs?: number;
}

/** A part being received (the page's, or an asset's). */
interface OpenPart {
  url: string;
  status: number;
  headers: Headers;
  chunks: Uint8Array[];
  received: number;
  /** Over the size limit: keep consuming frames, deliver nothing. */
  dropped: boolean;
  /** A delta part's base body, looked up as soon as its HEAD arrives (undefined when out of scope or not held). */
  deltaBase?: Promise<Uint8Array | undefined> | undefined;
}

const DEFAULT_PAGE_STALL_MS = 1000;

/**
 * Reads a push-stream body (docs/push-stream.md) as it arrives. The page
 * part is held until its END verifies its length and CRC-32, and only then
 * resolves `page`: the page never sees a byte that is not known to be whole
 * (docs/failure-handling.md). `page` resolves with `undefined` instead, for
 * the caller to fetch the page from the network, as soon as the page part is
 * cut, corrupt, truncated, unusable or larger than `maxEntryBytes` (the rest
 * of the stream is still read for its assets), or when the stream is silent
 * for `pageStallTimeoutMs` before the page part is complete (the stream is
 * then given up: what it has not delivered comes from the network). Assets
 * are buffered and handed to `sink` only when their END verified length and
 * CRC-32 and their body matches its `Content-Digest` and content-hash ETag. `done` settles when the
 * whole stream has been consumed or abandoned, and never rejects.
 */
export function receivePushStream(
  body: ReadableStream<Uint8Array>,
  sink: PushStreamSink,
  limits: ReceiveLimits,
): { page: Promise<Response | undefined>; done: Promise<void> } {
  let resolvePage!: (response: Response | undefined) => void;
  const page = new Promise<Response | undefined>((resolve) => (resolvePage = resolve));
  let pageSettled = false;
  let pagePart = -1;
  let pageBody: OpenPart | undefined;
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  const assets = new Map<number, OpenPart>();
  let partsSeen = 0;
  const reader = new PushStreamReader();
  const pending: Promise<void>[] = [];

  const settlePage = (response: Response | undefined): void => {
    if (pageSettled) return;
    pageSettled = true;
    pageBody = undefined;
    clearTimeout(stallTimer);
    resolvePage(response);
  };
  const source = body.getReader();
  let stalled = false;
  const armStallTimer = (): void => {
    if (pageSettled) return;
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      // Nothing moves while the page is incomplete: the page goes to the network, and so does every
      // part still announced (the stream is given up, so the page's requests need not wait for it).
      stalled = true;
      settlePage(undefined);
      source.cancel(new Error('push stream stalled inside the page part')).catch(() => undefined);
    }, limits.pageStallTimeoutMs ?? DEFAULT_PAGE_STALL_MS);
  };

  const voidAsset = (part: number, reason: string): void => {
    const asset = assets.get(part);
    if (!asset) return;
    assets.delete(part);
    sink.onVoid(asset.url, reason);
  };

  /** Appends a DATA frame's bytes to an open part, dropping its body past the size limit. */
  const append = (open: OpenPart, bytes: Uint8Array): void => {
    if (open.dropped) return;
    open.received += bytes.length;
    if (open.received > limits.maxEntryBytes) {
      open.dropped = true;
      open.chunks = [];
      return;
    }
    open.chunks.push(bytes);
  };

  const deltaBaseOf = async (path: string): Promise<Uint8Array | undefined> => {
    const url = sink.resolveUrl(path);
    return url === undefined ? undefined : sink.deltaBase?.(url).catch(() => undefined);
  };

  const onHead = (event: PushStreamHeadEvent): void => {
    if (event.role === 'page') {
      pagePart = event.part;
      // A 304 page answers validators the worker never sent (the browser's HTTP cache did): unusable.
      if (event.status < 200 || event.status > 599 || event.status === 304) return settlePage(undefined);
      if (!pageSettled) pageBody = { url: event.url, status: event.status, headers: headersOf(event.headers), chunks: [], received: 0, dropped: false };
      return;
    }
    partsSeen++;
    const url = partsSeen <= limits.maxParts ? sink.resolveUrl(event.url) : undefined;
    if (url === undefined) return; // another origin, out of scope, or too many parts: ignored
    const declared = Number(event.headers['content-length'] ?? 0);
    assets.set(event.part, {
      url,
      status: event.status,
      headers: headersOf(event.headers),
      chunks: [],
      received: 0,
      dropped: declared > limits.maxEntryBytes,
      // The base is read from the cache while the delta arrives.
      deltaBase: event.deltaBase === undefined ? undefined : deltaBaseOf(event.deltaBase),
    });
  };

  /** The verified page part becomes the navigation's response (decoded first: a synthesized Response is not). */
  const deliverPage = (open: OpenPart): void => {
    if (open.dropped) return settlePage(undefined);
    const decoder = decoderFor(open.headers);
    if (decoder === null) return settlePage(undefined);
    const bytes = concatBytes(open.chunks, open.received);
    const respond = (decoded: Uint8Array) => settlePage(toResponse({ status: open.status, headers: open.headers, body: decoded }));
    if (decoder === undefined) return respond(bytes);
    pending.push(decode(bytes, decoder, limits.maxEntryBytes).then(respond, () => settlePage(undefined)));
  };

  const deliverAsset = async (asset: OpenPart, body: Uint8Array): Promise<void> => {
    // Checked on the body as sent, before any decoding (RFC 9530: Content-Digest covers the content).
    let sha: Uint8Array | undefined;
    try {
      if (needsBodySha256(asset.headers)) sha = new Uint8Array(await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>));
    } catch {
      // Unchecked is unverified: `partIntegrityProblem` refuses the part.
    }
    const problem = partIntegrityProblem(asset.headers, sha);
    if (problem !== undefined) return sink.onVoid(asset.url, problem);
    const decoder = decoderFor(asset.headers);
    if (decoder === undefined) return sink.onAsset(asset.url, { status: asset.status, headers: asset.headers, body });
    if (decoder === null) return sink.onVoid(asset.url, 'unsupported content-encoding');
    try {
      sink.onAsset(asset.url, { status: asset.status, headers: asset.headers, body: await decode(body, decoder, limits.maxEntryBytes) });
    } catch {
      sink.onVoid(asset.url, 'content-encoding does not decode');
    }
  };

  // A base the worker lacks (a digest false positive) or that changed, or a delta that does not decode: void, never stored;
  // what does decode is checked against the part's Content-Digest like any body.
  const deliverDelta = async (asset: OpenPart, delta: Uint8Array): Promise<void> => {
    let body: Uint8Array | undefined;
    try {
      const base = await asset.deltaBase;
      if (base) body = await decodeDelta(base, delta, limits.maxEntryBytes);
    } catch {
      // Void below.
    }
    if (!body || asset.headers.get('content-digest') === null) return sink.onVoid(asset.url, 'delta');
    return deliverAsset(asset, body);
  };

  const handle = (event: PushStreamEvent): void => {
    switch (event.type) {
      case 'head':
        onHead(event);
        return;
      case 'data': {
        if (event.part === pagePart) {
          if (!pageBody) return;
          append(pageBody, event.bytes);
          // Too large to hold: the network, now rather than at its END.
          if (pageBody.dropped) settlePage(undefined);
          return;
        }
        const asset = assets.get(event.part);
        if (asset) append(asset, event.bytes);
        return;
      }
      case 'end': {
        if (event.part === pagePart) {
          const open = pageBody;
          if (!event.ok || !open) settlePage(undefined);
          else deliverPage(open);
          return;
        }
        const asset = assets.get(event.part);
        if (!asset) return;
        if (!event.ok) return voidAsset(event.part, 'length or CRC-32 mismatch');
        if (asset.dropped) return voidAsset(event.part, 'larger than the entry limit');
        assets.delete(event.part);
        if (asset.status === 304) sink.onNotModified(asset.url, asset.headers);
        else if (asset.status < 200 || asset.status > 599) sink.onVoid(asset.url, 'unusable status');
        else if (asset.deltaBase !== undefined) pending.push(deliverDelta(asset, concatBytes(asset.chunks, asset.received)));
        else pending.push(deliverAsset(asset, concatBytes(asset.chunks, asset.received)));
        return;
      }
      case 'abort':
        if (event.part === pagePart) settlePage(undefined);
        else voidAsset(event.part, event.reason);
        return;
      case 'fin':
        return;
    }
  };

  const done = (async () => {
    let failure: unknown;
    armStallTimer();
    try {
      for (;;) {
        const chunk = await readWithin(source, limits.idleTimeoutMs);
        if (chunk.done) break;
        armStallTimer();
        for (const event of reader.push(chunk.value)) handle(event);
      }
      for (const event of reader.close()) handle(event);
      if (stalled) failure = new Error('push stream stalled inside the page part');
      else if (!reader.finished) failure = new Error('push stream ended without FIN');
    } catch (error) {
      failure = error;
      source.cancel(error).catch(() => undefined);
    }
    // Whatever is still open is incomplete: never deliver it.
    for (const part of [...assets.keys()]) voidAsset(part, 'truncated');
    await Promise.all(pending);
    settlePage(undefined);
    sink.onClose(failure);
  })();

  return { page, done };
}

/** One read, or a rejection after `timeoutMs` of silence. */
async function readWithin(
  source: ReadableStreamDefaultReader<Uint8Array>,
  timeoutMs: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  const result = await within(source.read(), timeoutMs);
  if (!result) throw new Error(`push stream silent for ${timeoutMs} ms`);
  return result;
}

/** Compression Streams formats for HTTP content codings. */
const CODINGS: Record<string, string> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'brotli' };

/**
 * A decoder for the part's `content-encoding` (removing it and the
 * content-length from `headers`); undefined when the body is not encoded,
 * null when this browser cannot decode it.
 */
function decoderFor(headers: Headers): DecompressionStream | null | undefined {
  const coding = (headers.get('content-encoding') ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return undefined;
  const format = CODINGS[coding];
  if (format === undefined) return null;
  try {
    const decoder = new DecompressionStream(format as CompressionFormat);
    headers.delete('content-encoding');
    headers.delete('content-length');
    return decoder;
  } catch {
    return null;
  }
}

/** `bytes` through `decoder`, rejecting when it does not decode or the result exceeds `limit`. */
async function decode(bytes: Uint8Array, decoder: DecompressionStream, limit: number): Promise<Uint8Array> {
  const decoded = await readBounded(new Response(new Response(bytes as Uint8Array<ArrayBuffer>).body!.pipeThrough(decoder)), limit);
  if (!decoded) throw new Error('decoded body exceeds the entry limit');
  return decoded;
}

function headersOf(record: Record<string, string>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    try {
      headers.set(name, value);
    } catch {
      // A header the platform refuses is dropped, not fatal.
    }
  }
  return headers;
}
