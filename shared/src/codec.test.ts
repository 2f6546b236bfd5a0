import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64urlDecode,
  base64urlEncode,
  contentEtag,
  decodeDigest,
  digestKey,
  encodeDigest,
  encodeHashes,
  encodeHashesNarrow,
  hashKey,
  hashKeyAsync,
  nBitsForCount,
  sha256,
} from './index.ts';
import { hashKeyNode } from './node.ts';
import { referenceDecode, referenceEncode } from './test-reference.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const urlArb = fc.webUrl({ withQueryParameters: true }).map((u) => encodeURI(decodeURI(u)));

describe('reference vectors', () => {
  it('hashes style.css to 0xbaf9e86f03330860', () => {
    const h = hashKey('https://example.com/style.css');
    expect([h.hi.toString(16), h.lo.toString(16).padStart(8, '0')]).toEqual(['baf9e86f', '03330860']);
  });

  it('hashes style.css with its ETag to 0xa53eb398509042d7', () => {
    const h = hashKey(digestKey('https://example.com/style.css', '"deadbeef"'));
    expect([h.hi.toString(16), h.lo.toString(16)]).toEqual(['a53eb398', '509042d7']);
  });

  it('encodes the empty set as 01 c0 (AcA)', () => {
    const bytes = encodeDigest([]);
    expect(hex(bytes)).toBe('01c0');
    expect(base64urlEncode(bytes)).toBe('AcA');
  });

  it('encodes style.css alone as 01 f7 40 (AfdA), value 93', () => {
    const bytes = encodeDigest(['https://example.com/style.css']);
    expect(hex(bytes)).toBe('01f740');
    expect(base64urlEncode(bytes)).toBe('AfdA');
    const digest = decodeDigest(bytes);
    expect(digest.values()).toEqual([93n]);
    expect(digest.has('https://example.com/style.css')).toBe(true);
  });
});

describe('hashing', () => {
  it('the pure-JS SHA-256 equals node:crypto for every length around block edges', () => {
    for (let length = 0; length < 300; length++) {
      const bytes = randomBytes(length);
      expect(hex(sha256(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('sync, async (WebCrypto) and node:crypto hashers agree, non-ASCII keys included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (key) => {
        const sync = hashKey(key);
        expect(await hashKeyAsync(key)).toEqual(sync);
        expect(hashKeyNode(key)).toEqual(sync);
      }),
      { numRuns: 300 },
    );
  });

  it('contentEtag is a quoted 22-character base64url prefix of SHA-256', () => {
    const body = new TextEncoder().encode('body { color: red }');
    const expected = createHash('sha256').update(body).digest('base64url').slice(0, 22);
    expect(contentEtag(body)).toBe(`"${expected}"`);
  });
});

describe('base64url', () => {
  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      expect(base64urlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
    }));
  });

  it('accepts correctly padded input', () => {
    expect(hex(base64urlDecode('AfdA'))).toBe('01f740');
    expect(hex(base64urlDecode('AcA='))).toBe('01c0');
    expect(hex(base64urlDecode('AQ=='))).toBe('01');
  });

  // The long ones take Node's native decoder (128 characters and more), which reads U+0141 as `A` and U+012B as `+`.
  const long = (tail: string) => 'A'.repeat(128 - tail.length) + tail;
  it.each(['A', 'AcA==', 'Ac=A', 'A+dA', 'A/dA', 'Af dA', 'AfdA===', 'é', long('Ł'), long('\u012b'), long('é'), long('+'), long('A A')])('refuses %j with BAD_BASE64', (text) => {
    expect(() => base64urlDecode(text)).toThrow(expect.objectContaining({ code: 'BAD_BASE64' }));
  });
});

describe('encoding agrees with a naive implementation of the draft', () => {
  it('for random URL sets of any size and P, ETags included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(urlArb, fc.option(fc.string({ minLength: 1, maxLength: 12 }).map((s) => `"${s.replace(/"/g, '')}"`))), { maxLength: 300 }),
        fc.integer({ min: 0, max: 31 }),
        fc.boolean(),
        (rows, pBits, validators) => {
          const entries = rows.map(([url, etag]) => (etag === null ? { url } : { url, etag }));
          const keys = entries.map((e) => (validators && e.etag !== undefined ? e.url + e.etag : e.url));
          const nBits = nBitsForCount(new Set(keys).size);
          fc.pre(nBits + pBits <= 62);
          const bytes = encodeDigest(entries, { pBits, validators });
          expect(hex(bytes)).toBe(hex(referenceEncode(keys, pBits)));
          const decoded = decodeDigest(bytes);
          expect(decoded.values()).toEqual(referenceDecode(bytes).values);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('for widths above 53 bits (BigInt path): 1,000 keys declared as N = 2^23 at P = 2^31', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `https://example.com/wide/${i}`);
    const hashes = new Uint32Array(keys.flatMap((k) => { const h = hashKey(k); return [h.hi, h.lo]; }));
    const bytes = encodeHashes(hashes, { pBits: 31, count: 2 ** 23 });
    const digest = decodeDigest(bytes, { maxBytes: 4 << 20 });
    expect([digest.nBits, digest.pBits, digest.bits]).toEqual([23, 31, 54]);
    const expected = keys.map((k) => createHash('sha256').update(k).digest().readBigUInt64BE(0) >> 10n).sort((a, b) => (a < b ? -1 : 1));
    expect(digest.values()).toEqual(expected);
    for (const key of keys) expect(digest.has(key)).toBe(true);
    expect(referenceDecode(bytes).values).toEqual(expected);
  });

  it('encodeHashesNarrow gives the same bytes up to 53 bits and refuses wider sets', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `https://example.com/narrow/${i}`);
    const hashes = new Uint32Array(keys.flatMap((k) => { const h = hashKey(k); return [h.hi, h.lo]; }));
    for (const options of [{ pBits: 7 }, { pBits: 31, count: 2 ** 22 }]) expect(encodeHashesNarrow(hashes, options)).toEqual(encodeHashes(hashes, options));
    expect(() => encodeHashesNarrow(hashes, { pBits: 31, count: 2 ** 23 })).toThrow(expect.objectContaining({ code: 'BAD_PARAMETERS' }));
  });

  it('at exactly 62 bits (N = 2^31, P = 2^31), exact to the last bit', () => {
    // Small hash values keep the quotients (and the digest) small at this width.
    const hashes = new Uint32Array([0, 0xffff_ffff, 0, 7, 1, 3, 0, 8]);
    const digest = decodeDigest(encodeHashes(hashes, { pBits: 31, count: 2 ** 31 }));
    expect([digest.nBits, digest.pBits]).toEqual([31, 31]);
    const expected = [[0, 7], [0, 8], [0, 0xffff_ffff], [1, 3]].map(([hi, lo]) => ((BigInt(hi!) << 32n) | BigInt(lo!)) >> 2n);
    expect(digest.values()).toEqual(expected);
    expect(digest.hasHash({ hi: 1, lo: 3 })).toBe(true);
    expect(digest.hasHash({ hi: 1, lo: 2 })).toBe(true); // same top 62 bits as 1:3
    expect(digest.hasHash({ hi: 1, lo: 4 })).toBe(false);
  });

  it('rounds N to the nearest power of two in the log domain', () => {
    expect([0, 1, 2, 3, 5, 6, 11, 12, 23, 1000].map(nBitsForCount)).toEqual([0, 0, 1, 2, 2, 3, 3, 4, 5, 10]);
  });
});

describe('round trip and queries', () => {
  it('never gives a false negative', () => {
    fc.assert(
      fc.property(fc.uniqueArray(urlArb, { maxLength: 500 }), fc.integer({ min: 0, max: 24 }), (urls, pBits) => {
        const digest = decodeDigest(encodeDigest(urls, { pBits }));
        for (const url of urls) expect(digest.has(url)).toBe(true);
        expect(digest.size).toBeLessThanOrEqual(urls.length);
      }),
      { numRuns: 200 },
    );
  });

  it('validators digests answer for URL + ETag, not for the URL alone or another ETag', () => {
    const entries = Array.from({ length: 200 }, (_, i) => ({ url: `https://example.com/a${i}.js`, etag: `"v${i}"` }));
    const digest = decodeDigest(encodeDigest(entries, { validators: true, pBits: 20 }));
    for (const e of entries) {
      expect(digest.has(e.url, e.etag)).toBe(true);
      expect(digest.has(e.url, '"changed"')).toBe(false);
    }
  });

  // A probe for an absent key hits with probability (distinct values)/(N·P), which is n/(N·P) to first
  // order; check the measured rate within 5 standard deviations of it.
  it.each([1, 4, 7, 10, 14, 20])('measured false-positive rate matches n/(N·P) for log2 P = %i', (pBits) => {
    for (const n of [100, 10_000, 100_000]) {
      const urls = Array.from({ length: n }, (_, i) => `https://example.com/fp/${pBits}/${i}`);
      const digest = decodeDigest(encodeDigest(urls, { pBits, hash: hashKeyNode }), { hash: hashKeyNode, maxBytes: 4 << 20 });
      const expected = digest.size / 2 ** digest.bits;
      const firstOrder = n / 2 ** digest.bits;
      if (firstOrder < 0.02) expect(Math.abs(expected - firstOrder) / firstOrder).toBeLessThan(0.02);
      const probes = pBits >= 14 ? 200_000 : 20_000;
      let hits = 0;
      for (let i = 0; i < probes; i++) if (digest.has(`https://example.com/absent/${pBits}/${i}`)) hits++;
      const sigma = Math.sqrt(probes * expected * (1 - expected));
      expect(Math.abs(hits - probes * expected)).toBeLessThanOrEqual(5 * sigma + 3);
    }
  });
});
