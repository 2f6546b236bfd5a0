import { describe, expect, it } from 'vitest';
import { digestKey, hashKey, readCacheDigestHeader } from './index.ts';

// The published values of H2O's unit test for cache digests (t/00unit/lib/http2/cache_digests.c):
// the same inputs must give the same hashes and the same lookups here.
const HELLO = 'https://127.0.0.1.xip.io:8081/cache-digests.cgi/hello.js';
const NOT_FOUND = 'https://127.0.0.1.xip.io:8081/notfound.js';

function hex(key: string): string {
  const { hi, lo } = hashKey(key);
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

describe("H2O's cache-digest unit-test vectors", () => {
  it('hashes URL and URL + ETag to the same 64-bit prefixes', () => {
    expect(hex(digestKey('https://example.com/style.css'))).toBe('baf9e86f03330860');
    expect(hex(digestKey('https://example.com/style.css', '"deadbeef"'))).toBe('a53eb398509042d7');
  });

  it('AeLA: one URL-only digest of 7 bits holding key 0x0b (hello.js), not complete', () => {
    const { members, skipped } = readCacheDigestHeader('AeLA');
    expect(skipped).toEqual([]);
    expect(members).toHaveLength(1);
    const [member] = members;
    expect(member!.digest.bits).toBe(7);
    expect(member!.digest.values()).toEqual([0x0bn]);
    expect([member!.validators, member!.complete, member!.reset, member!.stale]).toEqual([false, false, false, false]);
    expect(member!.digest.has(HELLO)).toBe(true);
    expect(member!.digest.has(NOT_FOUND)).toBe(false);
  });

  it('FOO; stale, AcA; validators; complete: FOO is skipped, the empty complete validators digest is used', () => {
    const { members, skipped } = readCacheDigestHeader('FOO; stale, AcA; validators; complete');
    expect(skipped.map((member) => [member.index, member.value, member.error.code])).toEqual([[0, 'FOO', 'UNSUPPORTED_FLAGS']]);
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ value: 'AcA', validators: true, complete: true, stale: false, reset: false });
    expect(members[0]!.digest.bits).toBe(7);
    expect(members[0]!.digest.size).toBe(0);
    // H2O: notfound.js is then "not cached"; hello.js stays fresh because AeLA, read before on the connection, holds it.
    const withAeLA = readCacheDigestHeader('AeLA, FOO; stale, AcA; validators; complete').members;
    expect(withAeLA.some((m) => !m.validators && m.digest.has(HELLO))).toBe(true);
    expect(withAeLA.some((m) => !m.validators && m.digest.has(NOT_FOUND))).toBe(false);
  });

  it('FOO alone (malformed, whatever its flags) is skipped with a typed code', () => {
    const { members, skipped } = readCacheDigestHeader('FOO');
    expect(members).toEqual([]);
    expect(skipped[0]!.error.code).toBe('TRUNCATED');
  });

  it('AcA; reset: an empty URL-only digest of 7 bits that forgets what came before', () => {
    const { members, order } = readCacheDigestHeader('AeLA, AcA; reset');
    expect(order).toHaveLength(2);
    expect(members[1]).toMatchObject({ value: 'AcA', reset: true, complete: false, validators: false });
    expect(members[1]!.digest.bits).toBe(7);
    expect(members[1]!.digest.size).toBe(0);
  });
});
