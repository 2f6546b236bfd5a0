import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64urlEncode,
  CACHE_DIGEST_FRAME_TYPE,
  chooseDigestParameters,
  DEFAULT_HEADER_BUDGET,
  decodeCacheDigestFrame,
  decodeCacheDigestPayload,
  encodeCacheDigestFrame,
  encodeCacheDigestPayload,
  encodeDigest,
  formatCacheDigestHeader,
  nBitsForCount,
  isSkippedMember,
  parseCacheDigestHeader,
  readCacheDigestHeader,
} from './index.ts';

const urls = (n: number, tag = 'a') => Array.from({ length: n }, (_, i) => `https://example.com/${tag}/${i}.css`);

describe('Cache-Digest header', () => {
  it('parses the draft example', () => {
    const [member, ...rest] = parseCacheDigestHeader('AfdA; complete');
    expect(rest).toEqual([]);
    expect(member).toMatchObject({ value: 'AfdA', complete: true, reset: false, validators: false, stale: false });
    expect(member!.digest.has('https://example.com/style.css')).toBe(true);
  });

  it('round-trips a list with every flag, across several header lines too', () => {
    const fresh = encodeDigest(urls(20));
    const stale = encodeDigest(urls(5, 'b').map((url) => ({ url, etag: '"e1"' })), { validators: true });
    const header = formatCacheDigestHeader([
      { digest: fresh, complete: true, reset: true },
      { digest: stale, stale: true, validators: true, complete: true, extraFlags: ['x-later'] },
    ]);
    expect(header).toBe(`${base64urlEncode(fresh)}; reset; complete, ${base64urlEncode(stale)}; complete; validators; stale; x-later`);
    for (const input of [header, header.split(', ')]) {
      const { members: [a, ...rest], skipped: [b] } = readCacheDigestHeader(input);
      expect(rest).toEqual([]);
      expect(a).toMatchObject({ reset: true, complete: true, stale: false, validators: false });
      // A flag this library does not act on: the member is skipped (as H2O does) and says why.
      expect(b).toMatchObject({ index: 1, reset: false, complete: true, stale: true, validators: true, unknownFlags: ['x-later'] });
      expect(b!.error.code).toBe('UNSUPPORTED_FLAGS');
      expect(urls(20).every((u) => a!.digest.has(u))).toBe(true);
    }
    const [b] = parseCacheDigestHeader(formatCacheDigestHeader([{ digest: stale, stale: true, validators: true }]));
    expect(urls(5, 'b').every((u) => b!.digest.has(u, '"e1"'))).toBe(true);
    {
    }
  });

  it('accepts padding, case-insensitive flags, extra whitespace and empty list elements', () => {
    const members = parseCacheDigestHeader(' ,AcA= ;  COMPLETE ;Reset , , AfdA ');
    expect(members.map((m) => [m.value, m.complete, m.reset])).toEqual([['AcA=', true, true], ['AfdA', false, false]]);
    expect(parseCacheDigestHeader(undefined)).toEqual([]);
    expect(parseCacheDigestHeader('')).toEqual([]);
  });

  it.each([
    ['; complete', 'BAD_HEADER'],
    ['AfdA; compl\u00e9te', 'BAD_HEADER'],
    ['Af*A', 'BAD_BASE64'],
    ['A', 'BAD_BASE64'],
    ['Af', 'TRUNCATED'],
    ['AfdA; stale', 'UNSUPPORTED_FLAGS'],
    ['AfdA; x-later', 'UNSUPPORTED_FLAGS'],
  ])('skips the member %j with %s and keeps the valid one after it', (bad, code) => {
    const read = readCacheDigestHeader(`${bad}, AeLA`);
    expect(read.skipped.map((member) => [member.index, member.error.code])).toEqual([[0, code]]);
    expect(read.members.map((member) => member.value)).toEqual(['AeLA']);
    expect(read.order).toHaveLength(2);
    expect(isSkippedMember(read.order[0]!)).toBe(true);
    expect(parseCacheDigestHeader(bad)).toEqual([]);
  });

  it('refuses, unread, a member declaring N far above the entries allowed (N = 2^31, P = 1, every bit set)', () => {
    const bytes = new Uint8Array(24 * 1024).fill(0xff);
    bytes[0] = 0b11111000;
    bytes[1] = 0b00111111;
    const read = readCacheDigestHeader(`${base64urlEncode(bytes)}, AfdA`, { maxEntries: 8192 });
    expect(read.skipped.map((m) => [m.index, m.error.code])).toEqual([[0, 'TOO_LARGE']]);
    expect(read.skipped[0]!.error.message).toMatch(/declares N = 2\^31/);
    expect(read.members.map((m) => m.value)).toEqual(['AfdA']);
    // Declaring N = 2^13 passes the check; the decoder then stops at the bound.
    bytes[0] = 13 << 3;
    expect(readCacheDigestHeader(base64urlEncode(bytes), { maxEntries: 8192 }).skipped[0]!.error.code).toMatch(/TOO_LARGE|VALUE_OUT_OF_RANGE/);
  });

  it('bounds the entries of all members together: a member past the bound is skipped as TOO_LARGE', () => {
    const big = base64urlEncode(encodeDigest(urls(100)));
    const read = readCacheDigestHeader(`AfdA, ${big}, AfdA`, { maxEntries: 50 });
    expect(read.members.map((m) => m.value)).toEqual(['AfdA', 'AfdA']);
    expect(read.skipped.map((m) => [m.index, m.error.code])).toEqual([[1, 'TOO_LARGE']]);
  });
});

describe('CACHE_DIGEST frame', () => {
  it('encodes payload and frame as the draft lays them out', () => {
    const digest = encodeDigest(['https://example.com/style.css']);
    const payload = encodeCacheDigestPayload({ origin: 'https://example.com', digest });
    expect(Buffer.from(payload).toString('hex')).toBe(`0013${Buffer.from('https://example.com').toString('hex')}01f740`);
    const frame = encodeCacheDigestFrame({ origin: 'https://example.com', digest, complete: true, validators: true });
    expect([...frame.subarray(0, 9)]).toEqual([0, 0, payload.length, CACHE_DIGEST_FRAME_TYPE, 0x6, 0, 0, 0, 0]);
    const decoded = decodeCacheDigestFrame(frame);
    expect(decoded).toMatchObject({ origin: 'https://example.com', complete: true, validators: true, reset: false, stale: false, unknownFlags: 0 });
    expect(decoded.digest.has('https://example.com/style.css')).toBe(true);
  });

  it('round-trips any origin and flags', () => {
    fc.assert(fc.property(
      fc.webAuthority().map((a) => `https://${a}`), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.array(fc.webUrl(), { maxLength: 50 }),
      (origin, reset, complete, validators, stale, list) => {
        const digest = encodeDigest(list);
        const decoded = decodeCacheDigestFrame(encodeCacheDigestFrame({ origin, digest, reset, complete, validators, stale }));
        expect(decoded).toMatchObject({ origin, reset, complete, validators, stale });
        expect(decodeCacheDigestPayload(encodeCacheDigestPayload({ origin, digest })).digest).toEqual(digest);
        for (const url of list) expect(decoded.digest.has(url)).toBe(true);
      },
    ));
  });

  it('refuses a wrong type, a non-zero stream, a bad origin and a short payload', () => {
    const frame = encodeCacheDigestFrame({ origin: 'https://example.com', digest: encodeDigest([]) });
    const wrongType = frame.slice(); wrongType[3] = 0x0;
    const wrongStream = frame.slice(); wrongStream[8] = 1;
    expect(() => decodeCacheDigestFrame(wrongType)).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
    expect(() => decodeCacheDigestFrame(wrongStream)).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
    expect(() => decodeCacheDigestFrame(frame.subarray(0, frame.length - 1))).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
    expect(() => encodeCacheDigestPayload({ origin: 'https://example.com/path', digest: new Uint8Array(2) })).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
    expect(() => decodeCacheDigestPayload(new Uint8Array([0, 50, 1, 2]))).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
  });
});

describe('chooseDigestParameters', () => {
  it('picks the largest P whose digest fits the budget, and the real digest fits', () => {
    for (const n of [0, 1, 10, 100, 300, 1000]) {
      const chosen = chooseDigestParameters(n);
      const real = base64urlEncode(encodeDigest(urls(n), { pBits: chosen.pBits }));
      expect(real.length).toBeLessThanOrEqual(chosen.estimatedHeaderChars);
      expect(chosen.estimatedHeaderChars).toBeLessThanOrEqual(DEFAULT_HEADER_BUDGET);
      expect(chosen.nBits).toBe(nBitsForCount(n));
      expect(chosen.falsePositiveRate).toBeCloseTo(n === 0 ? 0 : n / 2 ** (chosen.nBits + chosen.pBits), 12);
      if (chosen.pBits < 31 && chosen.nBits + chosen.pBits < 62) {
        // One more bit of P would not fit: the choice is the largest.
        const bigger = chooseDigestParameters(n, { maxBytes: 100_000, maxPBits: chosen.pBits + 1 });
        expect(bigger.estimatedHeaderChars).toBeGreaterThan(DEFAULT_HEADER_BUDGET);
      }
    }
  });

  it('says when nothing fits', () => {
    expect(() => chooseDigestParameters(100_000)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});
