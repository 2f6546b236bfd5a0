import { describe, expect, it } from 'vitest';
import { createIndexEntry, isIndexEntry, type IndexEntry } from './index-entry.ts';
import { pageKey } from './page-key.ts';
import { pruneAfterStream, type PruneTarget } from './prune-after-stream.ts';
import { applyPageList, MAX_PAGES_PER_ENTRY } from './prune-listed.ts';

const ORIGIN = 'https://site.test';
const policy = { storable: true, freshUntil: 10_000, immutable: true, mustRevalidate: false };
const entry = (path: string, lastUsed = 1000, pages?: string[]): IndexEntry => {
  const created = createIndexEntry({ url: ORIGIN + path, etag: '"e"', policy, size: 10, now: lastUsed });
  return pages ? { ...created, pages } : created;
};

/** An index held in a Map, recording what is written back and retired. */
function target(entries: IndexEntry[]): PruneTarget & { map: Map<string, IndexEntry>; written: string[] } {
  const map = new Map(entries.map((item) => [item.url, item]));
  const written: string[] = [];
  return {
    map,
    written,
    values: () => map.values(),
    set: async (...changed) => {
      for (const item of changed) written.push(item.url);
    },
    retire: async (urls) => {
      for (const url of urls) map.delete(url);
    },
  };
}
const resolve = (path: string) => (path.startsWith('/') ? ORIGIN + path : undefined);

describe('applyPageList', () => {
  it('records the page on listed entries, forgets it on the others, retires what no page lists', () => {
    const entries = [entry('/old.js', 0, ['/']), entry('/shared.css', 0, ['/', '/about/']), entry('/new.js'), entry('/lazy.png')];
    const { changed, retired } = applyPageList(entries, '/', new Set([`${ORIGIN}/new.js`]));
    expect(retired).toEqual([`${ORIGIN}/old.js`]);
    expect(changed.map((item) => item.url)).toEqual([`${ORIGIN}/shared.css`, `${ORIGIN}/new.js`]);
    expect(entries[1]!.pages).toEqual(['/about/']);
    expect(entries[2]!.pages).toEqual(['/']);
    expect(entries[3]!.pages).toBeUndefined(); // never listed: left to idle time and the budget
  });

  it('bounds the pages one entry remembers', () => {
    const pages = Array.from({ length: MAX_PAGES_PER_ENTRY }, (_, i) => `/p${i}`);
    const shared = entry('/shared.css', 0, pages);
    expect(applyPageList([shared], '/other', new Set([shared.url])).changed).toEqual([]);
    expect(shared.pages).toHaveLength(MAX_PAGES_PER_ENTRY);
    expect(isIndexEntry(shared)).toBe(true);
    expect(isIndexEntry({ ...shared, pages: 'x' })).toBe(false);
  });
});

describe('pruneAfterStream', () => {
  it("retires the page's superseded entries and long-unused ones, and writes back the rest", async () => {
    const index = target([entry('/old.js', 5000, ['/']), entry('/kept.js', 5000, ['/']), entry('/stale.png', 100), entry('/fresh.png', 5000)]);
    const retired = await pruneAfterStream(index, { page: '/', assets: '/kept.js, /new.js, https://evil.test/x.js', resolve, now: 6000, maxUnusedMs: 2000 });
    expect(retired.sort()).toEqual([`${ORIGIN}/old.js`, `${ORIGIN}/stale.png`]);
    expect([...index.map.keys()].sort()).toEqual([`${ORIGIN}/fresh.png`, `${ORIGIN}/kept.js`]);
  });

  it('counts what the page lists as used now (the browser may take it from the cache without the worker)', async () => {
    const hour = 60 * 60 * 1000;
    const now = 100 * hour;
    const index = target([entry('/routed.js', now - 40 * hour, ['/']), entry('/recent.js', now - 1000, ['/']), entry('/idle.png', now - 40 * hour)]);
    expect(await pruneAfterStream(index, { page: '/', assets: '/routed.js, /recent.js', resolve, now, maxUnusedMs: 30 * hour })).toEqual([`${ORIGIN}/idle.png`]);
    expect(index.map.get(`${ORIGIN}/routed.js`)!.lastUsed).toBe(now);
    // A use recorded within the hour is not written again.
    expect(index.written).toEqual([`${ORIGIN}/routed.js`]);
  });

  it('retires nothing by list without a list, or with one too long to be whole', async () => {
    const index = target([entry('/old.js', 5000, ['/'])]);
    expect(await pruneAfterStream(index, { page: '/', assets: null, resolve, now: 6000, maxUnusedMs: 2000 })).toEqual([]);
    const long = Array.from({ length: 5000 }, (_, i) => `/a${i}.js`).join(', ');
    expect(await pruneAfterStream(index, { page: '/', assets: long, resolve, now: 6000, maxUnusedMs: 2000 })).toEqual([]);
    expect(index.map.size).toBe(1);
  });

  it('pages differing only by query share one record: the latest list of the path retires what it superseded', async () => {
    expect(pageKey(`${ORIGIN}/search?q=a#top`)).toBe('/search');
    const index = target([entry('/old.js', 5000), entry('/shared.css', 5000)]);
    const visit = (url: string, assets: string) => pruneAfterStream(index, { page: pageKey(url), assets, resolve, now: 6000, maxUnusedMs: 2000 });
    expect(await visit(`${ORIGIN}/search?q=a`, '/old.js, /shared.css')).toEqual([]);
    expect(await visit(`${ORIGIN}/search?q=b&utm_source=x`, '/old.js, /shared.css')).toEqual([]);
    // One record for the path, however many queries listed it.
    expect(index.map.get(`${ORIGIN}/old.js`)!.pages).toEqual(['/search']);
    expect(await visit(`${ORIGIN}/search?q=c`, '/new.js, /shared.css')).toEqual([`${ORIGIN}/old.js`]);
    expect(index.map.get(`${ORIGIN}/shared.css`)!.pages).toEqual(['/search']);
  });
});
