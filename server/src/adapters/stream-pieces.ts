import { promisify } from 'node:util';
import { constants, deflateRaw } from 'node:zlib';
import { StreamPieceCache as NeutralStreamPieceCache } from '../compression/stream-piece-cache.ts';

export { PIECE_BYTES, TEXT_TYPE, type StreamPiece } from '../compression/stream-piece-cache.ts';

const deflate = promisify(deflateRaw);

/** Level 9 raw deflate with a sync flush, on libuv's thread pool. */
async function zlibDeflate(bytes: Uint8Array): Promise<Uint8Array> {
  const deflated = await deflate(bytes, { level: 9, memLevel: 9, finishFlush: constants.Z_SYNC_FLUSH });
  return new Uint8Array(deflated.buffer, deflated.byteOffset, deflated.byteLength);
}

/**
 * The runtime-neutral piece cache (`compression/stream-piece-cache.ts`) with
 * node:zlib as its compressor: level 9, off the main thread.
 */
export class StreamPieceCache extends NeutralStreamPieceCache {
  /** `maxBytes`: compressed bytes kept (default 64 MiB). */
  constructor(maxBytes?: number) {
    super(zlibDeflate, maxBytes);
  }
}
