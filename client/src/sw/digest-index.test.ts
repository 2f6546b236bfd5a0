import { decodeDigest, base64urlDecode, parseCacheDigestHeader, hashKey } from '@cache-digest/shared';
import { describe, expect, it } from 'vitest';
import { DigestIndex } from './digest-index.ts';
import { createIndexEntry, isIndexEntry } from './index-entry.ts';

const NOW = 1_800_000_000_000;
const fresh = { storable: true, freshUntil: NOW + 60_000, immutable: false, mustRevalidate: false };
const stale = { ...fresh, freshUntil: NOW - 1 };

function entry(path: string, policy = fresh, etag?: string, size = 100, lastUsed = NOW) {
  return createIndexEntry({ url: `https://example.com${path}`, etag, policy, size, now: lastUsed });
}

describe('DigestIndex', () => {
  it('builds a fresh complete digest holding exactly the fresh URLs', () => {
    const index = new DigestIndex();
    for (let i = 0; i < 50; i++) index.set(entry(`/a${i}.js`));
    const snapshot = index.digest(NOW);
    expect(snapshot).toMatchObject({ fresh: 50, stale: 0 });
    const [member, ...rest] = parseCacheDigestHeader(snapshot.header);
    expect(rest).toEqual([]);
    expect(member).toMatchObject({ complete: true, stale: false, validators: false });
    for (let i = 0; i < 50; i++) expect(member!.digest.has(`https://example.com/a${i}.js`)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 1000; i++) if (member!.digest.has(`https://example.com/absent${i}.js`)) falsePositives++;
    expect(falsePositives).toBeLessThan(40); // about 1000 × 50/(64·128) ≈ 6 expected
  });

  it('puts stale entries in a stale validators digest keyed by URL + ETag', () => {
    const index = new DigestIndex();
    index.set(entry('/fresh.css'));
    index.set(entry('/old.css', stale, '"v1"'));
    index.set(entry('/soon.css', { ...fresh, freshUntil: NOW + 1000 }, '"s"'));
    const snapshot = index.digest(NOW, { marginMs: 5000 });
    expect(snapshot).toMatchObject({ fresh: 1, stale: 2 });
    const [freshMember, staleMember] = parseCacheDigestHeader(snapshot.header);
    expect(staleMember).toMatchObject({ stale: true, validators: true, complete: false });
    expect(staleMember!.digest.has('https://example.com/old.css', '"v1"')).toBe(true);
    expect(staleMember!.digest.has('https://example.com/soon.css', '"s"')).toBe(true);
    expect(freshMember!.digest.has('https://example.com/fresh.css')).toBe(true);
    expect(freshMember!.digest.has('https://example.com/old.css')).toBe(false);
  });

  it('an empty index sends the empty complete digest (AcA)', () => {
    expect(new DigestIndex().digest(NOW).header).toBe('AcA; complete');
  });

  it('matches the reference vector for style.css', () => {
    const index = new DigestIndex();
    index.set(entry('/style.css'));
    expect(index.digest(NOW).header).toBe('AfdA; complete');
    expect(decodeDigest(base64urlDecode('AfdA')).has('https://example.com/style.css')).toBe(true);
  });

  it('follows deletions and replacements, and evicts least recently used first', () => {
    const index = new DigestIndex();
    for (let i = 0; i < 10; i++) index.set(entry(`/f${i}`, fresh, undefined, 10, NOW + i));
    index.set(entry('/f3', fresh, undefined, 30, NOW + 100)); // replaced: newer and bigger
    expect(index.totalBytes).toBe(120);
    expect(index.evictionCandidates({ maxEntries: 7, maxBytes: 1e9 })).toEqual(['https://example.com/f0', 'https://example.com/f1', 'https://example.com/f2']);
    expect(index.evictionCandidates({ maxEntries: 100, maxBytes: 70 })).toHaveLength(5);
    index.delete('https://example.com/f0');
    expect(index.size).toBe(9);
    expect(parseCacheDigestHeader(index.digest(NOW).header)[0]!.digest.has('https://example.com/f0')).toBe(false);
  });
});

describe('createIndexEntry / isIndexEntry', () => {
  it('hashes URL and URL + ETag once', () => {
    const e = entry('/style.css', fresh, '"deadbeef"');
    expect({ hi: e.urlHi, lo: e.urlLo }).toEqual(hashKey('https://example.com/style.css'));
    expect(e.keyHi.toString(16)).toBe('a53eb398');
    expect(isIndexEntry(e)).toBe(true);
    expect(isIndexEntry({ ...e, urlHi: -1 })).toBe(false);
    expect(isIndexEntry({ ...e, url: 5 })).toBe(false);
    expect(isIndexEntry(null)).toBe(false);
  });
});
