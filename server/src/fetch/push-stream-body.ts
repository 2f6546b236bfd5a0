import { crc32, GzipSplicer, PAGE_SETS_COOKIE_HEADER, PushStreamWriter, type DeflatePiece, type PushStreamHead } from '@cache-digest/shared';
import { TEXT_TYPE, type StreamPiece, type StreamPieceCache } from '../compression/stream-piece-cache.ts';
import { decodeStreamPieces } from '../compression/decode-stream-pieces.ts';
import { STREAM_PIECES_SUFFIX } from '../compression/encode-stream-pieces.ts';
import { webDeflate } from '../compression/web-deflate.ts';
import { contentDigestOf } from '../core/content-digest-of.ts';
import type { AssetState, PageAsset } from '../core/types.ts';
import { SourceError, type AssetSource } from './asset-source.ts';

/** An asset's body as a delta against a version the client holds (docs/push-stream.md, Delta parts). */
export interface FetchDeltaPart {
  /** The base's same-origin path (the HEAD's `delta-base`). */
  base: string;
  /** Raw deflate of the body with the base's last 32 KiB as preset dictionary, finished. */
  bytes: Uint8Array;
}

/**
 * Finds a delta for an asset about to be streamed (`etag`: its response's), given `holds(url, etag)`, whether the
 * client's digest holds a base; undefined for none. Edge runtimes have no previous builds on a disk and no deflate
 * with a preset dictionary, so the caller supplies these (made at build time, say, and kept in a KV store).
 */
export type FetchDeltaLookup = (asset: { url: string; etag: string | undefined; body: Uint8Array }, holds: (url: string, etag: string) => boolean) => Promise<FetchDeltaPart | undefined>;

/** What {@link pushStreamBody} needs. */
export interface PushStreamBodyOptions {
  /** The page part's `url` (a same-origin path). */
  pageUrl: string;
  /** The page's response, produced while the assets are sent. */
  page: Promise<Response>;
  /** The assets to send, in order: `missing` with a body, `stale-current` as a 304 part. */
  assets: readonly { asset: PageAsset; state: AssetState }[];
  /** Where asset bodies come from (absolute URLs on `origin`). */
  source: AssetSource;
  /** The request's origin (`https://host`), to make asset URLs absolute. */
  origin: string;
  /** Larger asset bodies are not streamed (an ABORT part: the client fetches them). */
  maxAssetBytes: number;
  /** Called with the page's status once its head is known. */
  /** `setsCookie`: the page carried `Set-Cookie` (dropped from the part, which gets the `cache-digest-set-cookie` marker instead). */
  onPageHead: (status: number, setsCookie?: boolean) => void;
  /** Called when the client goes away. */
  onCancel: () => void;
  /** Sends the stream as one gzip member, asset bodies from these pieces (compressed once per version). Absent: identity. */
  compression?: StreamPieceCache;
  /** With `compression`: asks `source` for an asset's pieces file (`/app.js.pieces`) before compressing a version itself. */
  prebuiltPieces?: boolean;
  /** Deltas against versions the client holds (`holds`, its digest); sent when smaller than the body would be. */
  delta?: { find: FetchDeltaLookup; holds: (url: string, etag: string) => boolean };
}

const PAGE_PART = 0;
// Page chunks at least this long are deflated per request (the page is made per request); shorter ones are stored.
const DEFLATE_PAGE_FROM_BYTES = 512;
// DATA frames of the page and identity bodies are at most this long.
const FRAME_BYTES = 64 * 1024;
// What `"delta-base":"…",` adds to a HEAD besides the path.
const DELTA_HEAD_BYTES = 16;
// Asset HEADs at least this long are deflated (alone: a web compressor takes no dictionary), cached by their bytes.
const DEFLATE_HEAD_FROM_BYTES = 64;
/** Asset reads started ahead of the one being written: an origin's round trips overlap. */
const READ_AHEAD = 6;
// Hop-by-hop or framing headers that mean nothing inside a part; Set-Cookie, which a
// worker's synthesized response cannot apply; a coding and length the body no longer has.
const DROPPED_PART_HEADERS = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'set-cookie', 'content-length',
]);

/**
 * The body of a push-stream response (docs/push-stream.md) as a Web
 * `ReadableStream`: asset parts start at once, the page part whenever the
 * page's head arrives, its data interleaved. The stream ends with FIN only
 * when the page and every asset part are complete. A page that fails before
 * its head becomes a 502/504 page part; a page body that fails midway
 * aborts the page part and the stream ends without FIN, so the client never
 * takes a truncated page for a complete one.
 */
export function pushStreamBody(options: PushStreamBodyOptions): ReadableStream<Uint8Array> {
  const writer = new PushStreamWriter({ maxDataFrameBytes: FRAME_BYTES });
  const pieceCache = options.compression;
  // Compressed: one gzip member over the whole stream (browsers decode only a body's first member).
  const gzip = pieceCache ? new GzipSplicer() : undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const waiting: (() => void)[] = [];
  // Wire bytes, in the order they are made: each call passes whole frames (HEAD, DATA, END), made in the same turn.
  const enqueueWire = (bytes: Uint8Array): void => {
    if (!closed && bytes.length > 0) controller.enqueue(bytes);
  };
  // Frames made for this request: as they are, or in stored blocks of the gzip member.
  let started = false;
  const enqueue = (frames: Uint8Array): void => {
    started = true;
    if (!closed && frames.length > 0) enqueueWire(gzip ? gzip.stored(frames) : frames);
  };
  // An asset part's HEAD: compressed, deflated (once per distinct HEAD, see deflatedHead). Deflating takes a turn, during
  // which the page may write: only a HEAD made after the first frame went out (so without the stream's magic) waits.
  const enqueueHead = async (id: number, head: PushStreamHead): Promise<void> => {
    const deflate = gzip !== undefined && started;
    const frame = writer.head(id, head);
    const piece = deflate && frame.byteLength >= DEFLATE_HEAD_FROM_BYTES ? await deflatedHead(frame) : undefined;
    if (piece && !closed) enqueueWire(gzip!.piece(piece));
    else enqueue(frame);
  };
  // One DATA frame of the page: deflated per request when compressed and worth it (deflated first, then written
  // header and piece together, so no other part's frame comes between them).
  const enqueuePageData = async (bytes: Uint8Array): Promise<void> => {
    for (let offset = 0; offset < bytes.byteLength; offset += FRAME_BYTES) {
      const chunk = bytes.subarray(offset, offset + FRAME_BYTES);
      const deflated = gzip && chunk.byteLength >= DEFLATE_PAGE_FROM_BYTES ? await webDeflate(chunk).catch(() => undefined) : undefined;
      if (!gzip || !deflated || deflated.byteLength >= chunk.byteLength) {
        enqueue(writer.data(PAGE_PART, chunk));
        continue;
      }
      if (closed) return;
      const crc = crc32(chunk);
      enqueue(writer.dataHeader(PAGE_PART, chunk.byteLength, crc));
      enqueueWire(gzip.piece({ deflated, length: chunk.byteLength, crc }));
    }
  };
  // An asset body: compressed pieces spliced between this request's frame headers, or identity frames.
  const enqueueBody = async (id: number, body: Uint8Array, pieces: readonly StreamPiece[] | undefined): Promise<void> => {
    if (!pieces || !gzip) {
      for (let offset = 0; offset < body.byteLength; offset += FRAME_BYTES) {
        enqueue(writer.data(id, body.subarray(offset, offset + FRAME_BYTES)));
        await whenDemand();
      }
      return;
    }
    for (const piece of pieces) {
      if (closed) return;
      enqueue(writer.dataHeader(id, piece.length, piece.crc));
      const bytes = body.subarray(piece.offset, piece.offset + piece.length);
      enqueueWire(piece.deflated ? gzip.piece({ deflated: piece.deflated, length: piece.length, crc: piece.crc }) : gzip.stored(bytes, piece.crc));
      await whenDemand();
    }
  };
  // Waits while the consumer is behind: a large page body is not buffered whole.
  const whenDemand = (): Promise<void> | undefined =>
    closed || (controller.desiredSize ?? 1) > 0 ? undefined : new Promise((resolve) => waiting.push(resolve));
  const wake = (): void => {
    for (const resolve of waiting.splice(0)) resolve();
  };

  const writePage = async (): Promise<boolean> => {
    let page: Response;
    try {
      page = await options.page;
    } catch (error) {
      const status = error instanceof SourceError ? error.status : 502;
      options.onPageHead(status);
      enqueue(writer.head(PAGE_PART, { url: options.pageUrl, status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, role: 'page' }));
      enqueue(writer.data(PAGE_PART, new TextEncoder().encode(`${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}\n`)));
      enqueue(writer.end(PAGE_PART));
      return true;
    }
    const setsCookie = page.headers.has('set-cookie');
    options.onPageHead(page.status, setsCookie);
    const headers: Record<string, string> = {};
    page.headers.forEach((value, name) => {
      if (!DROPPED_PART_HEADERS.has(name) && !/[\0\r\n]/.test(value)) headers[name] = value;
    });
    // The worker cannot apply the cookie: it asks the network for this page instead (docs/push-stream.md).
    if (setsCookie) headers[PAGE_SETS_COOKIE_HEADER] = '1';
    enqueue(writer.head(PAGE_PART, { url: options.pageUrl, status: page.status, headers, role: 'page' }));
    if (page.body) {
      const reader = page.body.getReader();
      try {
        for (;;) {
          if (closed) {
            await reader.cancel();
            return false;
          }
          const { done, value } = await reader.read();
          if (done) break;
          await enqueuePageData(value);
          await whenDemand();
        }
      } catch {
        enqueue(writer.abort(PAGE_PART, 'page body failed'));
        return false;
      }
    }
    enqueue(writer.end(PAGE_PART));
    return true;
  };

  const readAsset = async (asset: PageAsset): Promise<Response | null> => {
    try {
      const response = await options.source(new URL(asset.url, options.origin));
      return response && response.status === 200 ? response : null;
    } catch {
      return null;
    }
  };

  // An asset's pieces file, made at build time: used only when it matches the body (a stale one is ignored).
  const readPieceFile = async (url: string, body: Uint8Array): Promise<StreamPiece[] | undefined> => {
    const target = new URL(url, options.origin);
    target.pathname += STREAM_PIECES_SUFFIX;
    const response = await options.source(target);
    if (!response || response.status !== 200) {
      if (response) discard(response);
      return undefined;
    }
    // The file holds at most the body, some deflate overhead and 12 bytes a piece.
    const limit = body.byteLength + (body.byteLength >> 3) + 1024;
    if (Number(response.headers.get('content-length') ?? '0') > limit || (response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase() !== 'identity') {
      discard(response);
      return undefined;
    }
    const file = new Uint8Array(await response.arrayBuffer());
    return file.byteLength > limit ? undefined : decodeStreamPieces(file, body);
  };

  const writeAssets = async (): Promise<void> => {
    const reads: Promise<Response | null>[] = [];
    let part = PAGE_PART + 1;
    for (let index = 0; index < options.assets.length && !closed; index++) {
      for (let ahead = reads.length; ahead < Math.min(options.assets.length, index + READ_AHEAD); ahead++) {
        reads.push(readAsset(options.assets[ahead]!.asset));
      }
      const { asset, state } = options.assets[index]!;
      const id = part++;
      const response = await reads[index]!;
      const fail = (reason: string): void => {
        enqueue(writer.head(id, { url: asset.url, status: 200, headers: {}, role: 'asset' }));
        enqueue(writer.abort(id, reason));
      };
      if (!response) {
        fail('unavailable');
        continue;
      }
      const coding = response.headers.get('content-encoding')?.trim().toLowerCase();
      if (coding && coding !== 'identity') {
        // A worker's synthesized response is never decoded: an encoded body would be cached as is.
        discard(response);
        fail('content-encoding');
        continue;
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        if (!DROPPED_PART_HEADERS.has(name) && name !== 'content-encoding') headers[name] = value;
      });
      if (state === 'stale-current') {
        discard(response);
        delete headers['content-type'];
        enqueue(writer.head(id, { url: asset.url, status: 304, headers, role: 'asset' }));
        enqueue(writer.end(id));
        continue;
      }
      const declared = Number(response.headers.get('content-length') ?? '0');
      let body: Uint8Array;
      try {
        if (declared > options.maxAssetBytes) throw new Error('too large');
        body = new Uint8Array(await response.arrayBuffer());
        if (body.byteLength > options.maxAssetBytes) throw new Error('too large');
      } catch {
        fail('unavailable');
        continue;
      }
      // The asset HEAD names its exact length, so the reader knows it before the body; Content-Digest (RFC 9530)
      // lets the worker check the body before storing it.
      headers['content-length'] = String(body.byteLength);
      headers['content-digest'] = contentDigestOf(asset.url, headers.etag, headers['last-modified'], body);
      // Only text is deflated: other types have no pieces file to look for.
      const prebuilt = options.prebuiltPieces && TEXT_TYPE.test(headers['content-type'] ?? '') ? () => readPieceFile(asset.url, body) : undefined;
      const pieces = pieceCache ? await pieceCache.pieces(asset.url, headers, body, prebuilt).catch(() => undefined) : undefined;
      const delta = options.delta ? await options.delta.find({ url: asset.url, etag: headers.etag, body }, options.delta.holds).catch(() => undefined) : undefined;
      if (closed) break;
      const plain = pieces ? pieces.reduce((sum, piece) => sum + (piece.deflated?.byteLength ?? piece.length), 0) : body.byteLength;
      if (delta && delta.bytes.byteLength + delta.base.length + DELTA_HEAD_BYTES < plain) {
        // A delta is already compressed: it goes in stored blocks (gzip) or as is.
        await enqueueHead(id, { url: asset.url, status: 200, headers, role: 'asset', deltaBase: delta.base });
        await enqueueBody(id, delta.bytes, undefined);
      } else {
        await enqueueHead(id, { url: asset.url, status: 200, headers, role: 'asset' });
        await enqueueBody(id, body, pieces);
      }
      enqueue(writer.end(id));
      await whenDemand();
    }
  };

  return new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
      void (async () => {
        const [pageComplete] = await Promise.all([writePage(), writeAssets()]);
        if (closed) return;
        // A failed page: its part was aborted, and the stream ends without FIN, which readers take as truncated. Closed, not
        // errored: an errored body is an uncaught exception to the runtime (workerd counts it, Deno and Bun print it), and
        // Bun drops what was queued before the error, the ABORT included. The gzip member still ends well-formed, so no
        // decoder on the way fails on it; the missing FIN alone marks the stream incomplete.
        if (pageComplete) enqueue(writer.fin());
        if (gzip) enqueueWire(gzip.finish());
        closed = true;
        controller.close();
      })().catch((error: unknown) => {
        if (closed) return;
        closed = true;
        controller.error(error);
      });
    },
    pull() {
      wake();
    },
    cancel() {
      closed = true;
      wake();
      options.onCancel();
    },
  });
}

/** Drops a body not read: cancelling an errored body rejects, which must not go unhandled. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

// HEAD frames deflated, by their exact bytes: streams for the same page and digest send the same HEADs, so most requests
// deflate none. Bounded (oldest out); null: deflating did not pay.
const deflatedHeads = new Map<string, Promise<DeflatePiece | null>>();
const MAX_DEFLATED_HEADS = 2048;

function deflatedHead(frame: Uint8Array): Promise<DeflatePiece | undefined> {
  let key = '';
  for (let i = 0; i < frame.byteLength; i += 4096) key += String.fromCharCode(...frame.subarray(i, i + 4096));
  let piece = deflatedHeads.get(key);
  if (!piece) {
    piece = webDeflate(frame).then(
      (deflated) => (deflated.byteLength + 5 < frame.byteLength ? { deflated, length: frame.byteLength, crc: crc32(frame) } : null),
      () => null,
    );
    if (deflatedHeads.size >= MAX_DEFLATED_HEADS) deflatedHeads.delete(deflatedHeads.keys().next().value!);
    deflatedHeads.set(key, piece);
  }
  return piece.then((found) => found ?? undefined);
}

