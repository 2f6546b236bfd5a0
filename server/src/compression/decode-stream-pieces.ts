import { crc32 } from '@cache-digest/shared';
import { STREAM_PIECES_MAGIC } from './encode-stream-pieces.ts';
import { PIECE_BYTES, type StreamPiece } from './stream-piece-cache.ts';

/**
 * The pieces of `body` from a pieces file ({@link encodeStreamPieces}), or
 * undefined when the file is malformed or was made from other bytes (a stale
 * build): its pieces must cover `body` exactly, each CRC-32 matching. Checking
 * costs a CRC-32 of the body, a small fraction of compressing it.
 */
export function decodeStreamPieces(file: Uint8Array, body: Uint8Array): StreamPiece[] | undefined {
  if (file.byteLength < 8 || new TextDecoder().decode(file.subarray(0, 4)) !== STREAM_PIECES_MAGIC) return undefined;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const count = view.getUint32(4);
  const table = 8 + count * 12;
  if (table > file.byteLength) return undefined;
  const pieces: StreamPiece[] = [];
  let offset = 0;
  let at = table;
  for (let index = 0; index < count; index++) {
    const length = view.getUint32(8 + index * 12);
    const crc = view.getUint32(12 + index * 12);
    const deflatedLength = view.getUint32(16 + index * 12);
    if (length === 0 || length > PIECE_BYTES || offset + length > body.byteLength || at + deflatedLength > file.byteLength) return undefined;
    if (crc32(body.subarray(offset, offset + length)) >>> 0 !== crc) return undefined;
    const piece: StreamPiece = { offset, length, crc };
    if (deflatedLength > 0) piece.deflated = file.subarray(at, at + deflatedLength);
    pieces.push(piece);
    offset += length;
    at += deflatedLength;
  }
  return offset === body.byteLength && at === file.byteLength ? pieces : undefined;
}
