import { createHash } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { crc32, type DeflatePiece } from '@cache-digest/shared';

// Per entry besides the deflated bytes: the 43-character key, the map entry and the piece object.
const ENTRY_OVERHEAD_BYTES = 160;
// The fastest level, a small window and hash: a HEAD matches the previous one in long runs, found at once.
const DEFLATE_OPTIONS = { level: 1, windowBits: 11, memLevel: 2, finishFlush: constants.Z_SYNC_FLUSH } as const;

/**
 * Per-request frames (part HEADs) deflated against the stream bytes that
 * preceded them, kept by a SHA-256 of (preceding bytes, frame): streams for
 * the same page and digest repeat the same sequence, so most requests deflate
 * no HEAD. Neither the frame nor what preceded it (which can be the end of a
 * page built for one user) is held, only their hash and the deflated piece.
 * Bounded in entries and in bytes, least recently used out.
 */
export class DeflatedFrames {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #entries = new Map<string, { piece: DeflatePiece | null; bytes: number }>();
  #bytes = 0;

  /** `maxEntries` (default 2048) and `maxBytes` (default 1 MiB, deflated bytes plus a per-entry overhead) bound what is kept. */
  constructor(maxEntries = 2048, maxBytes = 1024 * 1024) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  /** Entries kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes counted against `maxBytes` now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * `bytes` as raw deflate with `dictionary` (the stream's last bytes before them) as preset dictionary, sync-flushed,
   * or undefined when that would not save more than a stored block's header.
   */
  piece(bytes: Uint8Array, dictionary: Uint8Array): DeflatePiece | undefined {
    const hash = createHash('sha256');
    // The dictionary's length first: no two (dictionary, bytes) pairs hash the same input.
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, dictionary.byteLength);
    const key = hash.update(length).update(dictionary).update(bytes).digest('base64url');
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      return entry.piece ?? undefined;
    }
    const deflated = deflateRawSync(bytes, dictionary.byteLength > 0 ? { ...DEFLATE_OPTIONS, dictionary } : DEFLATE_OPTIONS);
    const piece = deflated.byteLength + 5 < bytes.byteLength ? { deflated: new Uint8Array(deflated), length: bytes.byteLength, crc: crc32(bytes) } : null;
    this.#store(key, piece);
    return piece ?? undefined;
  }

  #store(key: string, piece: DeflatePiece | null): void {
    const bytes = ENTRY_OVERHEAD_BYTES + (piece?.deflated.byteLength ?? 0);
    if (bytes > this.#maxBytes) return;
    while (this.#entries.size > 0 && (this.#entries.size >= this.#maxEntries || this.#bytes + bytes > this.#maxBytes)) {
      const [oldest, entry] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
    this.#entries.set(key, { piece, bytes });
    this.#bytes += bytes;
  }
}
