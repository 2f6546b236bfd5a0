import { crc32 } from '@cache-digest/shared';

/**
 * One DATA frame's worth of an asset body in a compressed push stream: where
 * it starts, its length and CRC-32, and its raw-deflate bytes (sync-flushed,
 * see `GzipSplicer`), or none when it goes in stored blocks (an image, a
 * font, anything compression does not shrink).
 */
export interface StreamPiece {
  offset: number;
  length: number;
  crc: number;
  deflated?: Uint8Array;
}

/** Makes raw deflate of `bytes` ending with a sync flush (no final block). */
export type PieceDeflate = (bytes: Uint8Array) => Promise<Uint8Array>;

/** Identity bytes per deflated piece: the stream's DATA frame size (about 20 KB on the wire for text). */
export const PIECE_BYTES = 64 * 1024;
// Pieces sent stored are as big on the wire as they are: cut as the identity stream's slices, so the
// per-connection budget is overshot by no more than with identity streams.
const STORED_PIECE_BYTES = 16 * 1024;
/** Types worth deflating (not JPEG/PNG/WebP/AVIF, woff2, audio, video, archives: already compressed). */
export const TEXT_TYPE = /^(text\/|application\/(javascript|ecmascript|json|xml|wasm|manifest\+json|x-javascript|[\w.+-]*\+(json|xml))|image\/(svg\+xml|x-icon|vnd\.microsoft\.icon|bmp)|font\/(ttf|otf|collection)|application\/vnd\.ms-fontobject)/i;
// A cached version's bookkeeping besides its bytes.
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * The compressed pieces of asset bodies, made once per file version (URL,
 * ETag, length, Last-Modified; a body without ETag is keyed by its buffer)
 * and reused by every push stream: no request compresses an asset. Bounded
 * by `maxBytes` (oldest used first out). Runtime-neutral: `deflate` is the
 * runtime's compressor (node:zlib in the Node adapters, `webDeflate` at the edge).
 */
export class StreamPieceCache {
  readonly #entries = new Map<string, { pieces: StreamPiece[]; bytes: number }>();
  readonly #byBody = new WeakMap<Uint8Array, StreamPiece[]>();
  readonly #pending = new Map<string, Promise<StreamPiece[]>>();
  readonly #deflate: PieceDeflate;
  readonly #maxBytes: number;
  #bytes = 0;
  #compressions = 0;

  /** `maxBytes`: compressed bytes kept (default 64 MiB). */
  constructor(deflate: PieceDeflate, maxBytes = 64 * 1024 * 1024) {
    this.#deflate = deflate;
    this.#maxBytes = maxBytes;
  }

  /** Bodies deflated so far (text types; a version already cached, or taken from its prebuilt pieces, is not deflated again). */
  get compressions(): number {
    return this.#compressions;
  }

  /**
   * The pieces of an asset's body (`headers` lower-case, as an `AssetResponse`'s). `prebuilt`, tried first when this
   * version is not cached: pieces made at build time (a pieces file), undefined for none; then the body is compressed.
   */
  async pieces(url: string, headers: Record<string, string>, body: Uint8Array, prebuilt?: () => Promise<StreamPiece[] | undefined>): Promise<StreamPiece[]> {
    const etag = headers.etag;
    if (etag === undefined) {
      let pieces = this.#byBody.get(body);
      if (!pieces) this.#byBody.set(body, (pieces = await this.#build(headers['content-type'], body, prebuilt)));
      return pieces;
    }
    const key = `${url}\n${etag}\n${body.byteLength}\n${headers['last-modified'] ?? ''}`;
    const entry = this.#entries.get(key);
    if (entry) {
      // Most recently used last: eviction takes the first.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.pieces;
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#build(headers['content-type'], body, prebuilt).then((pieces) => {
        this.#store(key, pieces);
        return pieces;
      });
      this.#pending.set(key, pending);
      void pending.finally(() => this.#pending.delete(key)).catch(() => undefined);
    }
    return pending;
  }

  async #build(type: string | undefined, body: Uint8Array, prebuilt: (() => Promise<StreamPiece[] | undefined>) | undefined): Promise<StreamPiece[]> {
    const found = prebuilt ? await prebuilt().catch(() => undefined) : undefined;
    return found ?? this.#make(type, body);
  }

  async #make(type: string | undefined, body: Uint8Array): Promise<StreamPiece[]> {
    const text = TEXT_TYPE.test(type ?? '');
    if (text) this.#compressions++;
    const pieces: StreamPiece[] = [];
    for (let offset = 0; offset < body.byteLength; offset += text ? PIECE_BYTES : STORED_PIECE_BYTES) {
      const bytes = body.subarray(offset, offset + (text ? PIECE_BYTES : STORED_PIECE_BYTES));
      if (!text) {
        pieces.push({ offset, length: bytes.byteLength, crc: crc32(bytes) });
        continue;
      }
      // Sync flush, not finish: the piece ends on a byte boundary with no final block, so pieces join.
      const deflated = await this.#deflate(bytes);
      if (deflated.byteLength + 16 < bytes.byteLength) {
        pieces.push({ offset, length: bytes.byteLength, crc: crc32(bytes), deflated });
        continue;
      }
      // Text that does not compress: stored, in slices like any other.
      for (let start = 0; start < bytes.byteLength; start += STORED_PIECE_BYTES) {
        const slice = bytes.subarray(start, start + STORED_PIECE_BYTES);
        pieces.push({ offset: offset + start, length: slice.byteLength, crc: crc32(slice) });
      }
    }
    return pieces;
  }

  #store(key: string, pieces: StreamPiece[]): void {
    const bytes = ENTRY_OVERHEAD_BYTES + pieces.reduce((sum, piece) => sum + (piece.deflated?.byteLength ?? 0) + 32, 0);
    if (bytes > this.#maxBytes) return;
    while (this.#bytes + bytes > this.#maxBytes) {
      const [oldest, entry] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
    this.#entries.set(key, { pieces, bytes });
    this.#bytes += bytes;
  }
}
