// Internal: most-significant-bit-first bit I/O over byte arrays, the order
// the draft writes every field in.

/** Writes bit fields into a zero-filled buffer sized up front. */
export class BitWriter {
  readonly bytes: Uint8Array;
  position = 0;

  constructor(totalBits: number) {
    this.bytes = new Uint8Array(Math.ceil(totalBits / 8));
  }

  /** Writes the low `count` bits (0 to 31) of `value`. */
  write(value: number, count: number): void {
    const bytes = this.bytes;
    let pos = this.position;
    while (count > 0) {
      const free = 8 - (pos & 7);
      const take = free < count ? free : count;
      const chunk = (value >>> (count - take)) & ((1 << take) - 1);
      bytes[pos >> 3]! |= chunk << (free - take);
      pos += take;
      count -= take;
    }
    this.position = pos;
  }

  /** Writes `count` zero bits followed by a one bit (a unary quotient). */
  unary(count: number): void {
    this.position += count;
    const pos = this.position;
    this.bytes[pos >> 3]! |= 0x80 >> (pos & 7);
    this.position = pos + 1;
  }
}

/** Reads bit fields; `remaining` says how many bits are left. */
export class BitReader {
  readonly bytes: Uint8Array;
  readonly totalBits: number;
  position = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.totalBits = bytes.length * 8;
  }

  get remaining(): number {
    return this.totalBits - this.position;
  }

  /** Reads `count` bits (0 to 31); the caller checks `remaining` first. */
  read(count: number): number {
    const bytes = this.bytes;
    let pos = this.position;
    const shift = pos & 7;
    if (shift + count <= 32) {
      // One 32-bit window covers the field (bytes past the end read as 0).
      const i = pos >> 3;
      const word = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) << shift;
      this.position = pos + count;
      return count === 0 ? 0 : word >>> (32 - count);
    }
    let value = 0;
    while (count > 0) {
      const avail = 8 - (pos & 7);
      const take = avail < count ? avail : count;
      const chunk = (bytes[pos >> 3]! >> (avail - take)) & ((1 << take) - 1);
      value = value * (1 << take) + chunk;
      pos += take;
      count -= take;
    }
    this.position = pos;
    return value;
  }

  /**
   * Counts zero bits up to and including the next one bit; returns -1 when the
   * input ends first (the trailing padding). Linear in the bits skipped.
   */
  unary(): number {
    const bytes = this.bytes;
    let pos = this.position;
    const start = pos;
    const total = this.totalBits;
    while (pos < total) {
      const masked = (bytes[pos >> 3]! << (pos & 7)) & 0xff;
      if (masked === 0) {
        pos = (pos | 7) + 1;
        continue;
      }
      pos += Math.clz32(masked) - 24;
      this.position = pos + 1;
      return pos - start;
    }
    this.position = total;
    return -1;
  }
}
