/**
 * A finished raw-deflate stream (RFC 1951; what `CompressionStream('deflate-raw')`
 * gives, its last block marked final) turned into a piece that ends as a sync
 * flush does: the final mark cleared, then an empty stored block on a byte
 * boundary (`00 00 FF FF`). Such pieces join into one deflate stream (see
 * `GzipSplicer` in `@cache-digest/shared`). Web compressors cannot flush
 * mid-stream, so the block structure is walked to find where the last block
 * starts and ends; no output is produced. Throws a `RangeError` on bytes that
 * are not a complete deflate stream.
 */
export function syncFlushed(deflated: Uint8Array): Uint8Array {
  const bits = new BitReader(deflated);
  let finalAt: number;
  for (;;) {
    const headerAt = bits.position;
    const final = bits.read(1);
    const type = bits.read(2);
    if (type === 0) {
      bits.align();
      const length = bits.read(16);
      if ((length ^ 0xffff) !== bits.read(16)) throw new RangeError('deflate: stored block length mismatch');
      bits.skipBytes(length);
    } else if (type === 1) {
      walkCodes(bits, FIXED.literals, FIXED.distances);
    } else if (type === 2) {
      const [literals, distances] = dynamicTables(bits);
      walkCodes(bits, literals, distances);
    } else {
      throw new RangeError('deflate: invalid block type');
    }
    if (final) {
      finalAt = headerAt;
      break;
    }
  }
  const end = bits.position;
  // Three zero bits (an empty stored block's header), to the byte boundary, then LEN 0 and NLEN 0xFFFF.
  const aligned = Math.ceil((end + 3) / 8);
  const out = new Uint8Array(aligned + 4);
  out.set(deflated.subarray(0, Math.min(deflated.byteLength, aligned)));
  for (let bit = end; bit < aligned * 8; bit++) out[bit >> 3]! &= ~(1 << (bit & 7));
  out[finalAt >> 3]! &= ~(1 << (finalAt & 7));
  out.set([0, 0, 0xff, 0xff], aligned);
  return out;
}

/** Bits LSB first, as deflate packs them. */
class BitReader {
  position = 0;
  constructor(private readonly bytes: Uint8Array) {}

  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const at = this.position++;
      if (at >> 3 >= this.bytes.byteLength) throw new RangeError('deflate: stream ends early');
      value |= ((this.bytes[at >> 3]! >> (at & 7)) & 1) << i;
    }
    return value;
  }

  align(): void {
    this.position = (this.position + 7) & ~7;
  }

  skipBytes(count: number): void {
    this.position += count * 8;
    if (this.position > this.bytes.byteLength * 8) throw new RangeError('deflate: stream ends early');
  }
}

/** A canonical Huffman code as counts per length and symbols in code order. */
interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

function huffman(lengths: ArrayLike<number>): Huffman {
  const count = new Uint16Array(16);
  for (let i = 0; i < lengths.length; i++) count[lengths[i]!]!++;
  const offsets = new Uint16Array(16);
  for (let length = 1; length < 15; length++) offsets[length + 1] = offsets[length]! + count[length]!;
  const symbol = new Uint16Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) if (lengths[i]) symbol[offsets[lengths[i]!]!++] = i;
  count[0] = 0;
  return { count, symbol };
}

function decode(bits: BitReader, code: Huffman): number {
  let value = 0;
  let first = 0;
  let index = 0;
  for (let length = 1; length < 16; length++) {
    value |= bits.read(1);
    const count = code.count[length]!;
    if (value - count < first) return code.symbol[index + (value - first)]!;
    index += count;
    first = (first + count) << 1;
    value <<= 1;
  }
  throw new RangeError('deflate: invalid code');
}

const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const FIXED = {
  literals: huffman(Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8))),
  distances: huffman(new Array<number>(30).fill(5)),
};

/** Reads a block's symbols up to its end-of-block code. */
function walkCodes(bits: BitReader, literals: Huffman, distances: Huffman): void {
  for (;;) {
    const symbol = decode(bits, literals);
    if (symbol < 256) continue;
    if (symbol === 256) return;
    const length = symbol - 257;
    if (length >= 29) throw new RangeError('deflate: invalid length code');
    bits.read(LENGTH_EXTRA[length]!);
    const distance = decode(bits, distances);
    if (distance >= 30) throw new RangeError('deflate: invalid distance code');
    bits.read(DISTANCE_EXTRA[distance]!);
  }
}

function dynamicTables(bits: BitReader): [Huffman, Huffman] {
  const literalCount = bits.read(5) + 257;
  const distanceCount = bits.read(5) + 1;
  const codeLengthCount = bits.read(4) + 4;
  if (literalCount > 286 || distanceCount > 30) throw new RangeError('deflate: too many codes');
  const codeLengths = new Uint8Array(19);
  for (let i = 0; i < codeLengthCount; i++) codeLengths[CODE_LENGTH_ORDER[i]!] = bits.read(3);
  const lengthCode = huffman(codeLengths);
  const lengths = new Uint8Array(literalCount + distanceCount);
  for (let index = 0; index < lengths.length; ) {
    const symbol = decode(bits, lengthCode);
    if (symbol < 16) {
      lengths[index++] = symbol;
      continue;
    }
    let value = 0;
    let repeat: number;
    if (symbol === 16) {
      if (index === 0) throw new RangeError('deflate: repeat with no previous length');
      value = lengths[index - 1]!;
      repeat = 3 + bits.read(2);
    } else {
      repeat = symbol === 17 ? 3 + bits.read(3) : 11 + bits.read(7);
    }
    if (index + repeat > lengths.length) throw new RangeError('deflate: too many lengths');
    lengths.fill(value, index, index + repeat);
    index += repeat;
  }
  return [huffman(lengths.subarray(0, literalCount)), huffman(lengths.subarray(literalCount))];
}
