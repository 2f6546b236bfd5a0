import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, crc32JavaScript } from './crc32.ts';

describe('crc32', () => {
  it('matches zlib for any bytes and any split, in Node (native) and in the JavaScript slice-by-8 browsers use', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), (bytes, at) => {
        const cut = bytes.length === 0 ? 0 : at % (bytes.length + 1);
        const expected = zlibCrc32(bytes);
        expect(crc32(bytes)).toBe(expected);
        expect(crc32JavaScript(bytes)).toBe(expected);
        expect(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut)))).toBe(expected);
        expect(crc32JavaScript(bytes.subarray(cut), crc32JavaScript(bytes.subarray(0, cut)))).toBe(expected);
      }),
      { numRuns: 300 },
    );
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32JavaScript(new Uint8Array(0), 0x12345678)).toBe(0x12345678);
  });
});
