import { constants, deflateRawSync, gunzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../crc32.ts';
import { crc32Combine } from './crc32-combine.ts';
import { GzipSplicer, type DeflatePiece } from './gzip-splicer.ts';

const concat = (chunks: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(chunks));

/** What a server does once per asset: raw deflate, flushed (not finished), with its length and CRC. */
function piece(bytes: Uint8Array, flush: number, level: number): DeflatePiece {
  return { deflated: new Uint8Array(deflateRawSync(bytes, { finishFlush: flush, level })), length: bytes.byteLength, crc: crc32(bytes) };
}

// Text-like bytes (compressible) or random ones, up to a few stored blocks long.
const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }),
  fc.string({ maxLength: 500 }).map((text) => new TextEncoder().encode(text.repeat(4))),
  fc.integer({ min: 65_000, max: 70_000 }).map((length) => Uint8Array.from({ length }, (_, i) => (i * 2654435761) >>> 24)),
);
const stepArb = fc.record({
  bytes: bytesArb,
  kind: fc.constantFrom('stored', 'stored-known', 'sync', 'full'),
  level: fc.integer({ min: 1, max: 9 }),
});

describe('GzipSplicer', () => {
  it('joins pieces compressed apart and stored per-request bytes into one gzip member that gunzips to exactly the identity bytes; every prefix decodes up to its last piece', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 8 }), (steps) => {
        const splicer = new GzipSplicer();
        const wire: Uint8Array[] = [];
        const identity: Uint8Array[] = [];
        for (const step of steps) {
          const out =
            step.kind === 'stored'
              ? splicer.stored(step.bytes)
              : step.kind === 'stored-known'
                ? splicer.stored(step.bytes, crc32(step.bytes))
                : splicer.piece(piece(step.bytes, step.kind === 'sync' ? constants.Z_SYNC_FLUSH : constants.Z_FULL_FLUSH, step.level));
          wire.push(out);
          identity.push(step.bytes);
          // Arrived so far (past the 10-byte gzip header): decodes to everything sent so far, without waiting for the end.
          const sofar = concat(wire).subarray(10);
          expect(inflateRawSync(sofar, { finishFlush: constants.Z_SYNC_FLUSH }).equals(concat(identity))).toBe(true);
        }
        wire.push(splicer.finish());
        expect(splicer.identityBytes).toBe(identity.reduce((sum, bytes) => sum + bytes.byteLength, 0));
        expect(gunzipSync(concat(wire)).equals(concat(identity))).toBe(true);
      }),
      { numRuns: 20, endOnFailure: true },
    );
  });

  it('refuses to write after finish', () => {
    const splicer = new GzipSplicer();
    expect(gunzipSync(splicer.finish()).byteLength).toBe(0);
    expect(() => splicer.stored(new Uint8Array(1))).toThrow(/already finished/);
  });
});

describe('crc32Combine', () => {
  it('equals the CRC of the joined bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        expect(crc32Combine(crc32(a), crc32(b), b.byteLength)).toBe(crc32(concat([a, b])));
      }),
    );
  });
});
