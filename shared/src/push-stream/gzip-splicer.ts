import { crc32 } from '../crc32.ts';
import { CacheDigestError } from '../errors.ts';
import { crc32Combine } from './crc32-combine.ts';

/**
 * Raw-deflate bytes (RFC 1951, no zlib or gzip wrapper) of `length` bytes
 * whose CRC-32 is `crc`, ending on a byte boundary with no final block: what
 * a compressor returns for a sync or full flush. Such pieces, made
 * independently (no back-reference before their own start), join into one
 * valid deflate stream, and each decodes as soon as it arrives.
 */
export interface DeflatePiece {
  deflated: Uint8Array;
  length: number;
  crc: number;
}

const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff);
const STORED_BLOCK_BYTES = 0xffff;

/**
 * Builds one gzip member (RFC 1952) out of pieces compressed beforehand and
 * bytes made per request: the header, then each piece as it is (a server
 * compresses an asset once and reuses it), per-request bytes in stored
 * blocks, then a final empty block and the trailer (CRC-32 of everything,
 * combined from the pieces' CRCs, and the length). Browsers decode only the
 * first member of a gzip body, so the pieces cannot be separate members.
 * Every method returns the next bytes to write, in order; the first output
 * starts with the gzip header.
 */
export class GzipSplicer {
  private crc = 0;
  private size = 0;
  private started = false;
  private finished = false;

  /** Uncompressed bytes passed so far. */
  get identityBytes(): number {
    return this.size;
  }

  /** `bytes` as they are, in stored blocks (5 bytes more per 64 KiB); `crc`, their CRC-32 when known, spares reading them. */
  stored(bytes: Uint8Array, crc?: number): Uint8Array {
    this.check();
    const blocks = Math.max(1, Math.ceil(bytes.byteLength / STORED_BLOCK_BYTES));
    const out = new Uint8Array(this.headerBytes() + blocks * 5 + bytes.byteLength);
    let offset = this.writeHeader(out);
    if (bytes.byteLength === 0) return out.subarray(0, offset);
    for (let start = 0; start < bytes.byteLength; start += STORED_BLOCK_BYTES) {
      const block = bytes.subarray(start, start + STORED_BLOCK_BYTES);
      const length = block.byteLength;
      // BFINAL 0, BTYPE 00 (stored), then LEN and its complement, little-endian.
      out[offset] = 0;
      out[offset + 1] = length & 0xff;
      out[offset + 2] = length >>> 8;
      out[offset + 3] = ~length & 0xff;
      out[offset + 4] = (~length >>> 8) & 0xff;
      out.set(block, offset + 5);
      offset += 5 + length;
    }
    // Continued over the bytes themselves (cheaper than combining for the few bytes a request makes), or combined.
    this.crc = crc === undefined ? crc32(bytes, this.crc) : crc32Combine(this.crc, crc, bytes.byteLength);
    this.size += bytes.byteLength;
    return out;
  }

  /** A piece compressed beforehand (see {@link DeflatePiece}), copied only when the gzip header must go first. */
  piece(piece: DeflatePiece): Uint8Array {
    this.check();
    this.crc = crc32Combine(this.crc, piece.crc, piece.length);
    this.size += piece.length;
    if (this.started) return piece.deflated;
    const out = new Uint8Array(GZIP_HEADER.length + piece.deflated.byteLength);
    out.set(piece.deflated, this.writeHeader(out));
    return out;
  }

  /** Ends the member: a final empty block, then CRC-32 and length (mod 2^32), little-endian. */
  finish(): Uint8Array {
    this.check();
    const out = new Uint8Array(this.headerBytes() + 10);
    let offset = this.writeHeader(out);
    // BFINAL 1, BTYPE 01 (fixed Huffman), end-of-block code: 10 bits.
    out[offset++] = 0x03;
    out[offset++] = 0x00;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    view.setUint32(offset, this.crc, true);
    view.setUint32(offset + 4, this.size % 0x100000000, true);
    this.finished = true;
    return out;
  }

  private headerBytes(): number {
    return this.started ? 0 : GZIP_HEADER.length;
  }

  private writeHeader(out: Uint8Array): number {
    if (this.started) return 0;
    out.set(GZIP_HEADER, 0);
    this.started = true;
    return GZIP_HEADER.length;
  }

  private check(): void {
    if (this.finished) throw new CacheDigestError('BAD_ARGUMENT', 'the gzip stream is already finished');
  }
}
