import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64urlEncode,
  CacheDigestError,
  decodeCacheDigestFrame,
  decodeDigest,
  encodeCacheDigestFrame,
  encodeDigest,
  encodeHashes,
  hashKey,
  parseCacheDigestHeader,
  readCacheDigestHeader,
} from './index.ts';

/** Runs `fn`; passes when it returns or throws a CacheDigestError, fails on any other exception. */
function onlyTypedErrors(fn: () => unknown): CacheDigestError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof CacheDigestError) return error;
    throw error;
  }
}

const sample = encodeDigest(Array.from({ length: 100 }, (_, i) => `https://example.com/asset-${i}.js`));

describe('hostile digests', () => {
  it('random bytes: a digest or the typed error, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      onlyTypedErrors(() => decodeDigest(bytes));
    }), { numRuns: 5000 });
  });

  it('random header text: a member list or the typed error', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
      onlyTypedErrors(() => parseCacheDigestHeader(text));
    }), { numRuns: 5000 });
  });

  it('every truncation of a real digest decodes to a subset or fails typed', () => {
    const full = decodeDigest(sample).values();
    for (let length = 0; length < sample.length; length++) {
      const error = onlyTypedErrors(() => {
        const part = decodeDigest(sample.subarray(0, length)).values();
        expect(full.slice(0, part.length)).toEqual(part);
      });
      if (length < 2) expect(error?.code).toBe('TRUNCATED');
    }
  });

  it('takes the widest parameters the fields can carry (31 + 31 = 62) and refuses others typed', () => {
    const widest = decodeDigest(new Uint8Array([0xff, 0xc0]));
    expect([widest.nBits, widest.pBits, widest.size]).toEqual([31, 31, 0]);
    for (const pBits of [32, -1, 1.5, Number.NaN]) {
      expect(onlyTypedErrors(() => encodeDigest(['https://example.com/'], { pBits }))?.code).toBe('BAD_PARAMETERS');
    }
  });

  it('refuses a value past 2^(log2 N + log2 P) with VALUE_OUT_OF_RANGE', () => {
    // N = 1, P = 2: values must be below 2; quotient 1 gives 0 + 2 + 1 - 1 = 2.
    const bytes = new Uint8Array([0b00000000, 0b01010000]); // n=0, p=1, then "01" q=1, r=0 -> value 2
    expect(onlyTypedErrors(() => decodeDigest(bytes))?.code).toBe('VALUE_OUT_OF_RANGE');
    // A run of zeros as long as the input allows still ends in a typed error, quickly.
    const long = new Uint8Array(64 * 1024);
    long[1] = 0b01000000; // n = 0, p = 1
    long[long.length - 1] = 0b10;
    expect(onlyTypedErrors(() => decodeDigest(long))?.code).toBe('VALUE_OUT_OF_RANGE');
  });

  it('refuses a remainder cut short with TRUNCATED', () => {
    // n=0, p=7, then a stop bit with only 5 bits of remainder left.
    expect(onlyTypedErrors(() => decodeDigest(new Uint8Array([0x01, 0xe0])))?.code).toBe('TRUNCATED');
  });

  it('a digest of every bit set (N = 2^31, P = 1) stops at maxEntries instead of decoding 200,000 entries', () => {
    const bytes = new Uint8Array(24 * 1024).fill(0xff);
    bytes[0] = 0b11111000; // log2 N = 31, log2 P = 0, then ones: one entry per bit
    bytes[1] = 0b00111111;
    expect(decodeDigest(bytes).size).toBeGreaterThan(190_000);
    expect(onlyTypedErrors(() => decodeDigest(bytes, { maxEntries: 1000 }))?.code).toBe('TOO_LARGE');
    expect(decodeDigest(sample, { maxEntries: 100 }).size).toBe(100);
  });

  it('refuses input over the size limit with TOO_LARGE before decoding it', () => {
    expect(onlyTypedErrors(() => decodeDigest(new Uint8Array(64 * 1024 + 1)))?.code).toBe('TOO_LARGE');
    expect(onlyTypedErrors(() => decodeDigest(sample, { maxBytes: 10 }))?.code).toBe('TOO_LARGE');
    const megabyte = 'A'.repeat(1 << 20);
    expect(onlyTypedErrors(() => parseCacheDigestHeader(megabyte))?.code).toBe('TOO_LARGE');
    expect(onlyTypedErrors(() => parseCacheDigestHeader([megabyte, megabyte]))?.code).toBe('TOO_LARGE');
  });

  it('bounds the work of many tiny members', () => {
    const many = Array.from({ length: 1000 }, () => 'AcA').join(', ');
    const read = readCacheDigestHeader(many);
    // The first 64 are used; one entry reports the rest, which are never parsed.
    expect(read.members).toHaveLength(64);
    expect(read.skipped.map((member) => [member.index, member.error.code])).toEqual([[64, 'TOO_LARGE']]);
  });

  it('hostile frames fail typed', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      onlyTypedErrors(() => decodeCacheDigestFrame(bytes));
    }), { numRuns: 3000 });
  });

  it('refuses non-byte, non-string input typed', () => {
    for (const bad of [null, 5, [undefined], {}] as unknown[]) {
      expect(onlyTypedErrors(() => parseCacheDigestHeader(bad as string))?.code).toBe('BAD_ARGUMENT');
      expect(onlyTypedErrors(() => decodeCacheDigestFrame(bad as Uint8Array))?.code).toBe('BAD_ARGUMENT');
    }
  });

  it('refuses an encoding whose declared N would need more memory than the bound', () => {
    expect(onlyTypedErrors(() => encodeHashes(new Uint32Array([0x8000_0000, 0, 0xffff_ffff, 0]), { pBits: 31, count: 2 ** 31 }))?.code).toBe('TOO_LARGE');
  });

  it('decodes a frame with a 64 KiB origin quickly and typed', () => {
    const origin = `https://${'a'.repeat(65_535 - 8)}`;
    const frame = encodeCacheDigestFrame({ origin, digest: encodeDigest([]) });
    expect(decodeCacheDigestFrame(frame).origin).toBe(origin);
  });

  it('a custom hasher returning signed 32-bit words queries the same as the unsigned one', () => {
    const urls = Array.from({ length: 64 }, (_, i) => `https://example.com/s/${i}`);
    const signed = (key: string) => { const h = hashKey(key); return { hi: h.hi | 0, lo: h.lo | 0 }; };
    const digest = decodeDigest(encodeDigest(urls, { pBits: 31, hash: signed }), { hash: signed });
    expect(urls.filter((u) => digest.has(u))).toHaveLength(64);
  });

  it('a real digest with random flags still parses', () => {
    const header = `${base64urlEncode(sample)}; complete; Stale;unknown-1 ;x=1`;
    const { members, skipped: [member] } = readCacheDigestHeader(header);
    expect(members).toEqual([]);
    expect(member).toMatchObject({ complete: true, stale: true, reset: false, validators: false, unknownFlags: ['unknown-1', 'x=1'] });
    expect(member!.error.code).toBe('UNSUPPORTED_FLAGS');
  });
});
