import { describe, expect, it } from 'vitest';
import { hashKey, type Hash64 } from '@cache-digest/shared';
import { AssetHashCache } from './asset-hash-cache.ts';
import { DigestCache } from './digest-cache.ts';
import type { ReadDigests } from './read-digest-header.ts';

const result = (entries: number): ReadDigests => ({ members: [], entries, status: 'none', reset: false, skipped: [] });

describe('DigestCache', () => {
  it('parses a value once, stays within its entry bound, and never keeps long values', () => {
    const cache = new DigestCache({ maxEntries: 2, maxValueLength: 10 });
    let parses = 0;
    const parse = () => result(++parses);
    expect(cache.get('a', parse)).toBe(cache.get('a', parse));
    expect(parses).toBe(1);
    cache.get('b', parse);
    cache.get('c', parse); // evicts 'a', the oldest
    cache.get('a', parse);
    expect(parses).toBe(4);
    cache.get('x'.repeat(11), parse);
    cache.get('x'.repeat(11), parse);
    expect(parses).toBe(6);
    const off = new DigestCache({ maxEntries: 0 });
    off.get('a', parse);
    off.get('a', parse);
    expect(parses).toBe(8);
  });

  it('bounds the total length of the values it keeps, oldest out first', () => {
    const cache = new DigestCache({ maxEntries: 100, maxValueLength: 100, maxTotalLength: 250 });
    let parses = 0;
    const parse = () => result(++parses);
    for (const c of 'abc') cache.get(c.repeat(100), parse); // the third pushes the total to 300: 'a…' goes
    cache.get('c'.repeat(100), parse);
    cache.get('b'.repeat(100), parse);
    expect(parses).toBe(3);
    cache.get('a'.repeat(100), parse);
    expect(parses).toBe(4);
  });
});

describe('AssetHashCache', () => {
  it('hashes origin + URL and origin + URL + ETag, once per origin and page', () => {
    let calls = 0;
    const counting = (key: string): Hash64 => {
      calls++;
      return hashKey(key);
    };
    const cache = new AssetHashCache({ hash: counting, maxOrigins: 2 });
    const page = [{ url: '/a.css', etag: '"1"' }];
    const [hashes] = cache.forPage('https://x.test', page);
    expect(hashes!.url).toEqual(hashKey('https://x.test/a.css'));
    expect(hashes!.withEtag).toEqual(hashKey('https://x.test/a.css"1"'));
    cache.forPage('https://x.test', page);
    expect(calls).toBe(2);
    // A client choosing many authorities only evicts: the cache stays bounded.
    for (let i = 0; i < 10; i++) cache.forPage(`https://h${i}.test`, page);
    cache.forPage('https://x.test', page);
    expect(calls).toBe(24);
  });
});
