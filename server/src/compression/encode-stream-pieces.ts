import type { StreamPiece } from './stream-piece-cache.ts';

/** The first bytes of a pieces file (version 1). */
export const STREAM_PIECES_MAGIC = 'CDP1';
/** What a pieces file is named after: its asset's path plus this (`/app.js` -> `/app.js.pieces`). */
export const STREAM_PIECES_SUFFIX = '.pieces';

/**
 * A pieces file: an asset body's compressed stream pieces, made at build time
 * so that no edge isolate compresses the body itself (docs/push-stream.md,
 * Compression). Layout, big-endian: `CDP1`, u32 count, then per piece u32
 * length, u32 CRC-32, u32 deflated length (0: sent stored), then every
 * piece's deflated bytes in order. Offsets follow from the lengths.
 */
export function encodeStreamPieces(pieces: readonly StreamPiece[]): Uint8Array {
  const table = 8 + pieces.length * 12;
  const total = pieces.reduce((sum, piece) => sum + (piece.deflated?.byteLength ?? 0), table);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(STREAM_PIECES_MAGIC));
  view.setUint32(4, pieces.length);
  let at = table;
  pieces.forEach((piece, index) => {
    view.setUint32(8 + index * 12, piece.length);
    view.setUint32(12 + index * 12, piece.crc >>> 0);
    view.setUint32(16 + index * 12, piece.deflated?.byteLength ?? 0);
    if (piece.deflated) {
      bytes.set(piece.deflated, at);
      at += piece.deflated.byteLength;
    }
  });
  return bytes;
}
