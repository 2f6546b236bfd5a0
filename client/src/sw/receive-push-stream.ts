import { PushStreamReader, type PushStreamEvent, type PushStreamHeadEvent } from '@cache-digest/shared';
import type { BufferedResponse } from './stored-response.ts';

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
}

/** Limits of one stream. */
export interface ReceiveLimits {
  maxEntryBytes: number;
  maxParts: number;
  idleTimeoutMs: number;
}

interface AssetPart {
  url: string;
  status: number;
  headers: Headers;
  chunks: Uint8Array[];
  received: number;
  /** Over the size limit: keep consuming frames, deliver nothing. */
  dropped: boolean;
}

/** Statuses a synthesized Response may carry, and those that carry no body. */
const NULL_BODY = new Set([204, 205, 304]);

/**
 * Reads a push-stream body (docs/push-stream.md) as it arrives. Resolves with
 * the page's own Response as soon as the page part's HEAD arrives, its body
 * streaming the page's DATA frames; assets are buffered and handed to `sink`
 * only when their END verified length and CRC-32. Resolves with `undefined`
 * when the stream ends or fails before the page's HEAD (the caller then
 * fetches the page from the network). `done` settles when the whole stream
 * has been consumed or abandoned, and never rejects.
 */
export function receivePushStream(
  body: ReadableStream<Uint8Array>,
  sink: PushStreamSink,
  limits: ReceiveLimits,
): { page: Promise<Response | undefined>; done: Promise<void> } {
  let resolvePage!: (response: Response | undefined) => void;
  const page = new Promise<Response | undefined>((resolve) => (resolvePage = resolve));
  let pageController: ReadableStreamDefaultController<Uint8Array> | undefined;
  let pagePart = -1;
  let pageOpen = false;
  const assets = new Map<number, AssetPart>();
  let partsSeen = 0;
  const reader = new PushStreamReader();
  const decoding: Promise<void>[] = [];

  const voidAsset = (part: number, reason: string): void => {
    const asset = assets.get(part);
    if (!asset) return;
    assets.delete(part);
    sink.onVoid(asset.url, reason);
  };

  const failPage = (reason: string): void => {
    if (pageController && pageOpen) {
      pageOpen = false;
      // The page is cut off as if its own connection had failed: the browser keeps what it rendered.
      pageController.error(new TypeError(`push stream: page part ${reason}`));
    }
    resolvePage(undefined);
  };

  const onHead = (event: PushStreamHeadEvent): void => {
    if (event.role === 'page') {
      // A 304 page answers validators the worker never sent (the browser's HTTP cache did): unusable.
      if (event.status < 200 || event.status > 599 || event.status === 304) {
        failPage('has an unusable status');
        return;
      }
      const headers = headersOf(event.headers);
      const decoder = decoderFor(headers);
      if (decoder === null) {
        failPage('uses a content-encoding this browser cannot decode');
        return;
      }
      pagePart = event.part;
      pageOpen = true;
      const stream = NULL_BODY.has(event.status)
        ? null
        : new ReadableStream<Uint8Array>({
            start(controller) {
              pageController = controller;
            },
            cancel() {
              // The page went away; keep reading: the assets are still worth caching.
              pageOpen = false;
            },
          });
      // A synthesized Response is not decoded by the browser: decode here, and say so in the headers.
      const body = stream && decoder ? stream.pipeThrough<Uint8Array>(decoder as unknown as ReadableWritablePair<Uint8Array, Uint8Array>) : stream;
      resolvePage(new Response(body as BodyInit | null, { status: event.status, headers }));
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
    });
  };

  const handle = (event: PushStreamEvent): void => {
    switch (event.type) {
      case 'head':
        onHead(event);
        return;
      case 'data': {
        if (event.part === pagePart) {
          if (pageOpen) pageController?.enqueue(event.bytes);
          return;
        }
        const asset = assets.get(event.part);
        if (!asset || asset.dropped) return;
        asset.received += event.bytes.length;
        if (asset.received > limits.maxEntryBytes) {
          asset.dropped = true;
          asset.chunks = [];
          return;
        }
        asset.chunks.push(event.bytes);
        return;
      }
      case 'end': {
        if (event.part === pagePart) {
          if (!event.ok) failPage('is corrupt');
          else if (pageOpen) {
            pageOpen = false;
            pageController?.close();
          }
          return;
        }
        const asset = assets.get(event.part);
        if (!asset) return;
        if (!event.ok) return voidAsset(event.part, 'length or CRC-32 mismatch');
        if (asset.dropped) return voidAsset(event.part, 'larger than the entry limit');
        assets.delete(event.part);
        if (asset.status === 304) sink.onNotModified(asset.url, asset.headers);
        else if (asset.status < 200 || asset.status > 599) sink.onVoid(asset.url, 'unusable status');
        else {
          const body = concat(asset.chunks, asset.received);
          const decoder = decoderFor(asset.headers);
          if (decoder === undefined) sink.onAsset(asset.url, { status: asset.status, headers: asset.headers, body });
          else if (decoder === null) sink.onVoid(asset.url, 'unsupported content-encoding');
          else {
            decoding.push(
              readAll(new Response(body as Uint8Array<ArrayBuffer>).body!.pipeThrough(decoder), limits.maxEntryBytes).then(
                (decoded) => sink.onAsset(asset.url, { status: asset.status, headers: asset.headers, body: decoded }),
                () => sink.onVoid(asset.url, 'content-encoding does not decode'),
              ),
            );
          }
        }
        return;
      }
      case 'abort':
        if (event.part === pagePart) failPage(`aborted: ${event.reason}`);
        else voidAsset(event.part, event.reason);
        return;
      case 'fin':
        return;
    }
  };

  const done = (async () => {
    const source = body.getReader();
    let failure: unknown;
    try {
      for (;;) {
        const chunk = await readWithin(source, limits.idleTimeoutMs);
        if (chunk.done) break;
        for (const event of reader.push(chunk.value)) handle(event);
      }
      for (const event of reader.close()) handle(event);
      if (!reader.finished) failure = new Error('push stream ended without FIN');
    } catch (error) {
      failure = error;
      source.cancel(error).catch(() => undefined);
    }
    // Whatever is still open is incomplete: never deliver it.
    for (const part of [...assets.keys()]) voidAsset(part, 'truncated');
    if (pageOpen) failPage('truncated');
    resolvePage(undefined);
    await Promise.all(decoding);
    sink.onClose(failure);
  })();

  return { page, done };
}

/** One read, or a rejection after `timeoutMs` of silence. */
async function readWithin(
  source: ReadableStreamDefaultReader<Uint8Array>,
  timeoutMs: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`push stream silent for ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([source.read(), silence]);
  } finally {
    clearTimeout(timer);
  }
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

/** A stream's bytes, rejecting past `limit`. */
async function readAll(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    length += chunk.length;
    if (length > limit) throw new Error('decoded body exceeds the entry limit');
    chunks.push(chunk);
  }
  return concat(chunks, length);
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

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

