import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import { constants, deflateRawSync } from 'node:zlib';
import { contentDigestValue, GzipSplicer, PAGE_SETS_COOKIE_HEADER, PushStreamWriter, PUSH_STREAM_CONTENT_TYPE, crc32, type PushStreamHead } from '@cache-digest/shared';
import type { AssetState, PageAsset } from '../core/types.ts';
import type { AssetReader, AssetResponse } from './asset-reader.ts';
import type { NodeResponse } from './node-types.ts';
import { responseClosed } from './response-closed.ts';
import { connectionBudget } from './connection-budget.ts';
import { DeflatedFrames } from './deflated-frames.ts';
import { PIECE_BYTES, type StreamPiece, type StreamPieceCache } from './stream-pieces.ts';
import type { DeltaPart } from './delta-parts.ts';

/** What {@link startPushStream} needs. */
export interface PushStreamResponseOptions {
  /** The page's path, for its part's `url`. */
  pageUrl: string;
  /** The assets to stream, in order: `missing` ones with their body, `stale-current` ones as 304 parts. */
  assets: readonly { asset: PageAsset; state: AssetState }[];
  read: AssetReader;
  /** Responses read beforehand (so the summary counts only assets that can be sent); `read` is used for the others. */
  responses?: ReadonlyMap<PageAsset, AssetResponse | null>;
  /** Extra headers of the outer response (summary, vary). */
  headers: Record<string, string>;
  /** Called with the page's status when the application writes the page's head; `setsCookie` when it carried `Set-Cookie`. */
  onPageHead?: (status: number, setsCookie: boolean) => void;
  /** Asset bytes written and not yet flushed, per connection, across its push streams (default 512 KiB). */
  connectionBufferBytes?: number;
  /**
   * Sends the stream gzip-encoded (`content-encoding: gzip`), its asset bodies
   * from these pieces, compressed once per file version; only for a request
   * that accepts gzip. Absent: identity.
   */
  compression?: StreamPieceCache;
  /**
   * The asset's body as a delta against a version the client holds (its digest says so), or undefined
   * (docs/push-stream.md, Delta parts); sent only when smaller than the body would be on the wire.
   */
  delta?: (url: string, response: AssetResponse) => Promise<DeltaPart | undefined>;
}

const PAGE_PART = 0;
// What `"delta-base":"…",` adds to a HEAD besides the path.
const DELTA_HEAD_BYTES = 16;
// Asset bodies go out in slices of this size, each within the connection's budget and after the
// previous one drained: a client that does not read holds at most the budget per connection.
const SLICE_BYTES = 16 * 1024;
/** Default of {@link PushStreamResponseOptions.connectionBufferBytes}. */
const CONNECTION_BUFFER_BYTES = 512 * 1024;
// Page bytes at least this long are deflated per request (the page is built per request); shorter ones are stored.
const DEFLATE_PAGE_FROM_BYTES = 512;
// Other frames made per request (HEADs) at least this long are deflated against the stream's last RECENT_BYTES.
const DEFLATE_FRAMES_FROM_BYTES = 64;
const RECENT_BYTES = 2048;
// Hop-by-hop or framing headers of the page that mean nothing inside a part, and
// Set-Cookie, which a worker's synthesized response cannot apply (and which cannot be joined into one value).
const DROPPED_PAGE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'http2-settings', 'set-cookie']);

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

/**
 * Turns a response into a push stream (docs/push-stream.md): the outer 200
 * head goes out at once, the asset parts are read and written as soon as
 * possible, and whatever the application writes afterwards through the
 * usual API (setHeader, statusCode, writeHead, write, end, pipe) becomes the
 * page part. The outer response ends with FIN once the page and every asset
 * are done. Page `Set-Cookie` headers are dropped (a worker's synthesized
 * response cannot set a cookie) and the page part gets the
 * `cache-digest-set-cookie` marker, which sends the worker to the network
 * for that page (docs/push-stream.md, Pages that set cookies).
 */
export function startPushStream(res: NodeResponse, options: PushStreamResponseOptions): void {
  const writer = new PushStreamWriter({ maxDataFrameBytes: PIECE_BYTES });
  const pieceCache = options.compression;
  // Compressed: one gzip member over the whole stream (browsers decode only a body's first member).
  const gzip = pieceCache ? new GzipSplicer() : undefined;
  const realWrite = res.write.bind(res) as (chunk: Uint8Array, callback?: Callback) => boolean;
  const realEnd = res.end.bind(res) as (callback?: () => void) => void;
  const streamed = options.assets.filter((entry) => entry.state !== 'fresh');

  // The application's view of the page response.
  const pageHeaders = new Map<string, { name: string; value: OutgoingHttpHeader }>();
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value !== undefined) pageHeaders.set(name.toLowerCase(), { name, value });
  }
  let pageStatus = 200;
  let pageHeadSent = false;
  let pageEnded = false;
  let assetsDone = false;
  let finished = false;

  // Remove what other middleware set from the outer head: it belongs to the page part.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(200, {
    'content-type': PUSH_STREAM_CONTENT_TYPE,
    'push-stream-urls': streamed.map((entry) => entry.asset.url).join(', '),
    // Every asset of the page as served now, held ones included: the worker keeps these first when its digest must shrink.
    'push-stream-assets': options.assets.map((entry) => entry.asset.url).join(', '),
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
    ...options.headers,
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });

  // The decoded stream's last bytes, in the order they are made (the order they go out): what the client's gzip decoder holds
  // in its window when the next bytes arrive, so per-request frames can refer back to them (the previous part's HEAD).
  let recent = new Uint8Array(0);
  const remember = (bytes: Uint8Array): void => {
    if (!gzip) return;
    const keep = Math.min(recent.byteLength, Math.max(0, RECENT_BYTES - bytes.byteLength));
    const next = new Uint8Array(keep + Math.min(bytes.byteLength, RECENT_BYTES));
    next.set(recent.subarray(recent.byteLength - keep));
    next.set(bytes.subarray(bytes.byteLength - (next.byteLength - keep)), keep);
    recent = next;
  };
  // Frames made for this request, in their wire form: as they are, or in the gzip member (page bytes deflated; HEADs
  // deflated against the stream's last 2 KiB, which hold the previous HEAD after a small asset; tiny frames stored).
  const wire = (bytes: Uint8Array, deflate = false): Uint8Array => {
    if (!gzip) return bytes;
    const dictionary = recent;
    remember(bytes);
    if (deflate && bytes.byteLength >= DEFLATE_PAGE_FROM_BYTES) {
      // Raw deflate with a sync flush starts afresh (no reference before it), so it can sit between cached pieces.
      const deflated = deflateRawSync(bytes, { level: 6, finishFlush: constants.Z_SYNC_FLUSH });
      if (deflated.byteLength < bytes.byteLength) return gzip.piece({ deflated, length: bytes.byteLength, crc: crc32(bytes) });
    } else if (!deflate && bytes.byteLength >= DEFLATE_FRAMES_FROM_BYTES) {
      const piece = deflatedFrames.piece(bytes, dictionary);
      if (piece) return gzip.piece(piece);
    }
    return gzip.stored(bytes);
  };
  const send = (frames: Uint8Array, callback?: Callback, deflate = false): boolean => {
    if (finished || responseClosed(res) || frames.length === 0) {
      callback?.();
      return true;
    }
    return sendWire(wire(frames, deflate), callback);
  };
  const sendWire = (bytes: Uint8Array, callback?: Callback): boolean => {
    if (finished || responseClosed(res) || bytes.length === 0) {
      callback?.();
      return true;
    }
    try {
      return realWrite(bytes, callback);
    } catch {
      // The client went away between the check and the write.
      return true;
    }
  };
  // Resolves once the response can take more (true), or is gone (false).
  const drained = (): Promise<boolean> =>
    new Promise((resolve) => {
      if (finished || responseClosed(res)) return resolve(false);
      const done = (ok: boolean) => () => {
        res.off('drain', onDrain);
        res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = done(true);
      const onClose = done(false);
      res.once('drain', onDrain);
      res.once('close', onClose);
    });
  // Writes with backpressure: waits for 'drain' whenever the response's buffer is full.
  const sendPaced = async (bytes: Uint8Array): Promise<boolean> => {
    if (send(bytes)) return !finished && !responseClosed(res);
    return drained();
  };
  const connection: object = (res as { stream?: { session?: object } }).stream?.session ?? res.socket ?? res;
  const budget = connectionBudget(connection, options.connectionBufferBytes ?? CONNECTION_BUFFER_BYTES);
  const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
  let held = 0; // this stream's share of the budget, given back as writes complete or when it closes
  budget.streams++;
  void gone.then(() => {
    budget.streams--;
    budget.release(held);
    held = 0;
  });
  // Writes `size` bytes (made by `make` once they fit the connection's budget) and waits for a drain when needed.
  const sendCounted = async (size: number, make: () => Uint8Array): Promise<boolean> => {
    if (!(await budget.acquire(size, gone))) return false;
    held += size;
    let released = false;
    const release = (error?: Error | null): void => {
      if (released || held === 0) return;
      released = true;
      held -= size;
      budget.release(size, !error);
    };
    // Made right before it is written: a gzip member's bytes must go out in the order they were made.
    const written = sendWire(make(), release);
    if (finished || responseClosed(res)) return false;
    return written || drained();
  };
  // `whole`: a body of one slice goes out with its part's HEAD and END in one write.
  const sendBody = async (id: number, body: Uint8Array, whole?: PushStreamHead): Promise<boolean> => {
    for (let offset = 0; offset < body.byteLength || (whole && offset === 0); offset += SLICE_BYTES) {
      const slice = body.subarray(offset, offset + SLICE_BYTES);
      if (!(await sendCounted(slice.byteLength, () => wire(whole ? writer.part(id, whole, slice) : writer.data(id, slice))))) return false;
    }
    return true;
  };
  // Compressed: each piece (one DATA frame, deflated once per file version) spliced between this request's frame headers;
  // the budget counts wire bytes. `whole`: a part of one piece goes out with its HEAD and END in one write.
  const sendPieces = async (id: number, body: Uint8Array, pieces: readonly StreamPiece[], whole?: PushStreamHead): Promise<boolean> => {
    if (pieces.length === 0) return !whole || sendCounted(0, () => wire(concat([writer.head(id, whole), writer.end(id)])));
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      const size = (piece.deflated?.byteLength ?? piece.length) + 64;
      const ok = await sendCounted(size, () => {
        const before = wire(concat(whole ? [writer.head(id, whole), writer.dataHeader(id, piece.length, piece.crc)] : [writer.dataHeader(id, piece.length, piece.crc)]));
        remember(body.subarray(piece.offset, piece.offset + piece.length));
        const data = piece.deflated
          ? gzip!.piece({ deflated: piece.deflated, length: piece.length, crc: piece.crc })
          : gzip!.stored(body.subarray(piece.offset, piece.offset + piece.length), piece.crc);
        return concat(whole && i === pieces.length - 1 ? [before, data, wire(writer.end(id))] : [before, data]);
      });
      if (!ok) return false;
    }
    return true;
  };
  // One part: its body as compressed pieces (gzip) or slices; a part of one piece or slice goes out in one write.
  const sendPart = async (id: number, head: PushStreamHead, body: Uint8Array, pieces: readonly StreamPiece[] | undefined): Promise<boolean> => {
    if (pieces ? pieces.length <= 1 : body.byteLength <= SLICE_BYTES) return pieces ? sendPieces(id, body, pieces, head) : sendBody(id, body, head);
    send(writer.head(id, head));
    if (!(await (pieces ? sendPieces(id, body, pieces) : sendBody(id, body)))) return false;
    return sendPaced(writer.end(id));
  };
  const maybeFinish = (): void => {
    if (finished || !pageEnded || !assetsDone) return;
    if (responseClosed(res)) {
      // Reset or timed out mid-part: nothing more can be written, and an open part cannot be finished.
      finished = true;
      return;
    }
    sendWire(gzip ? concat([wire(writer.fin()), gzip.finish()]) : writer.fin());
    finished = true;
    realEnd();
  };
  const writePageHead = (): void => {
    if (pageHeadSent) return;
    pageHeadSent = true;
    const headers: Record<string, string> = {};
    for (const [key, { value }] of pageHeaders) {
      if (DROPPED_PAGE_HEADERS.has(key)) continue;
      const text = Array.isArray(value) ? value.join(', ') : String(value);
      if (/[\0\r\n]/.test(text)) continue;
      headers[key] = text;
    }
    // Set-Cookie cannot cross a synthesized response: the marker sends the worker to the network for this page.
    const setsCookie = pageHeaders.has('set-cookie');
    if (setsCookie) headers[PAGE_SETS_COOKIE_HEADER] = '1';
    options.onPageHead?.(pageStatus, setsCookie);
    send(writer.head(PAGE_PART, { url: options.pageUrl, status: pageStatus, headers, role: 'page' }));
  };
  const toBytes = (chunk: Chunk, encoding?: BufferEncoding): Uint8Array =>
    typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : chunk;

  const headersSentError = (): Error =>
    Object.assign(new Error('Cannot set headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });

  const page = {
    setHeader(name: string, value: OutgoingHttpHeader) {
      if (pageHeadSent) throw headersSentError();
      pageHeaders.set(name.toLowerCase(), { name, value });
      return res;
    },
    appendHeader(name: string, value: OutgoingHttpHeader) {
      if (pageHeadSent) throw headersSentError();
      const previous = pageHeaders.get(name.toLowerCase());
      const list = [previous?.value ?? [], value].flat().map(String);
      pageHeaders.set(name.toLowerCase(), { name, value: list.length === 1 ? list[0]! : list });
      return res;
    },
    getHeader(name: string) {
      return pageHeaders.get(name.toLowerCase())?.value;
    },
    getHeaders(): OutgoingHttpHeaders {
      const out: OutgoingHttpHeaders = Object.create(null) as OutgoingHttpHeaders;
      for (const [key, { value }] of pageHeaders) out[key] = value;
      return out;
    },
    getHeaderNames() {
      return [...pageHeaders.keys()];
    },
    hasHeader(name: string) {
      return pageHeaders.has(name.toLowerCase());
    },
    removeHeader(name: string) {
      if (pageHeadSent) throw headersSentError();
      pageHeaders.delete(name.toLowerCase());
    },
    writeHead(status: number, ...rest: unknown[]) {
      if (pageHeadSent) throw headersSentError();
      const headers = (typeof rest[0] === 'string' ? rest[1] : rest[0]) as OutgoingHttpHeaders | unknown[] | undefined;
      if (Array.isArray(headers)) {
        const flat = Array.isArray(headers[0]) ? (headers as unknown[][]).flat() : headers;
        for (let i = 0; i + 1 < flat.length; i += 2) page.setHeader(String(flat[i]), flat[i + 1] as string);
      } else if (headers) {
        for (const [name, value] of Object.entries(headers)) if (value !== undefined) page.setHeader(name, value);
      }
      pageStatus = status;
      writePageHead();
      return res;
    },
    flushHeaders() {
      writePageHead();
    },
    write(chunk: Chunk, encoding?: BufferEncoding | Callback, callback?: Callback) {
      if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
      if (pageEnded) throw Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
      writePageHead();
      return send(writer.data(PAGE_PART, toBytes(chunk, encoding)), callback, true);
    },
    end(chunk?: Chunk | (() => void), encoding?: BufferEncoding | (() => void), callback?: () => void) {
      if (typeof chunk === 'function') [callback, chunk] = [chunk, undefined];
      if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
      if (pageEnded) return res;
      writePageHead();
      if (chunk !== undefined && chunk !== null) send(writer.data(PAGE_PART, toBytes(chunk, encoding)), undefined, true);
      pageEnded = true;
      send(writer.end(PAGE_PART));
      if (callback) res.once('finish', callback);
      maybeFinish();
      return res;
    },
  };
  Object.assign(res, page);
  Object.defineProperty(res, 'headersSent', { configurable: true, get: () => pageHeadSent });
  Object.defineProperty(res, 'statusCode', {
    configurable: true,
    get: () => pageStatus,
    set: (status: number) => {
      pageStatus = status;
    },
  });
  Object.defineProperty(res, 'writableEnded', { configurable: true, get: () => pageEnded });

  const streamAssets = async (): Promise<void> => {
    let part = PAGE_PART + 1;
    // Deltas of the assets read beforehand are looked up all at once: a pair not made yet (the first request after a
    // deploy) costs the stream the slowest lookup, not their sum.
    const deltas = new Map<PageAsset, Promise<DeltaPart | undefined>>();
    if (options.delta && options.responses) {
      for (const { asset, state } of streamed) {
        const response = options.responses.get(asset);
        if (response && state !== 'stale-current' && !isEncoded(response.headers)) deltas.set(asset, options.delta(asset.url, response).catch(() => undefined));
      }
    }
    for (const { asset, state } of streamed) {
      if (finished || responseClosed(res)) break;
      const id = part++;
      let response: AssetResponse | null = null;
      try {
        response = options.responses?.has(asset) ? options.responses.get(asset)! : await options.read(asset);
      } catch {
        response = null;
      }
      if (!response) {
        send(writer.head(id, { url: asset.url, status: 200, headers: {}, role: 'asset' }));
        send(writer.abort(id, 'unavailable'));
        continue;
      }
      if (isEncoded(response.headers)) {
        // A worker's synthesized response is never decoded: an encoded body would be cached as is.
        send(writer.head(id, { url: asset.url, status: 200, headers: {}, role: 'asset' }));
        send(writer.abort(id, 'content-encoding'));
        continue;
      }
      if (state === 'stale-current') {
        const { 'content-length': _length, 'content-type': _type, ...headers } = response.headers;
        send(writer.head(id, { url: asset.url, status: 304, headers, role: 'asset' }));
        send(writer.end(id));
        continue;
      }
      // Content-Digest (RFC 9530): the worker checks the body against it before storing.
      const headers = { 'content-digest': contentDigestOf(asset.url, response.headers, response.body), ...response.headers };
      const pieces = pieceCache ? await pieceCache.pieces(asset.url, response.headers, response.body) : undefined;
      // A delta against a version the client holds, when it is smaller than the body as it would go otherwise.
      const delta = options.delta ? await (deltas.get(asset) ?? options.delta(asset.url, response).catch(() => undefined)) : undefined;
      if (finished || responseClosed(res)) break;
      const plain = pieces ? pieces.reduce((sum, piece) => sum + (piece.deflated?.byteLength ?? piece.length), 0) : response.body.byteLength;
      const sent =
        delta && delta.bytes.byteLength + delta.base.length + DELTA_HEAD_BYTES < plain
          ? await sendPart(id, { url: asset.url, status: 200, headers, role: 'asset', deltaBase: delta.base }, delta.bytes, pieces && delta.pieces)
          : await sendPart(id, { url: asset.url, status: 200, headers, role: 'asset' }, response.body, pieces);
      if (!sent) break;
    }
    assetsDone = true;
    maybeFinish();
  };
  streamAssets().catch(() => {
    // A write that failed mid-part leaves the stream unusable: end it rather than hang or crash.
    finished = true;
    if (!responseClosed(res)) res.destroy();
  });
}

/** The chunks joined in one buffer (one write). */
function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** True when a reader's headers name a content coding other than identity. */
function isEncoded(headers: Record<string, string>): boolean {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-encoding' && value.trim().toLowerCase() !== 'identity' && value.trim() !== '') return true;
  }
  return false;
}

// HEADs deflated against what preceded them, kept by hash (bounded in entries and bytes): shared by every stream.
const deflatedFrames = new DeflatedFrames();

/** Content-Digest values by file version (URL, ETag, length, mtime): each file is hashed once, not per request. */
const contentDigests = new Map<string, string>();
const MAX_CONTENT_DIGESTS = 4096;

function contentDigestOf(url: string, headers: Record<string, string>, body: Uint8Array): string {
  const key = `${url}\n${headers.etag ?? ''}\n${body.byteLength}\n${headers['last-modified'] ?? ''}`;
  let value = contentDigests.get(key);
  if (value === undefined || headers.etag === undefined) {
    value = contentDigestValue(body);
    if (contentDigests.size >= MAX_CONTENT_DIGESTS) contentDigests.delete(contentDigests.keys().next().value!);
    if (headers.etag !== undefined) contentDigests.set(key, value);
  }
  return value;
}
