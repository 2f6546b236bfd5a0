import { describe, expect, it } from 'vitest';
import { CurrentAssets } from './current-assets.ts';
import { pageKey } from './page-key.ts';

const ORIGIN = 'https://example.com';
/** Same-origin absolute paths only, as the worker's resolver. */
const resolve = (path: string) => (path.startsWith('/') && !path.startsWith('//') ? ORIGIN + path : undefined);

describe('CurrentAssets', () => {
  it('holds the latest list per page: a new deploy replaces the old names, shared assets stay while a page lists them', () => {
    const current = new CurrentAssets();
    current.record(`${ORIGIN}/`, '/app-1.css, /shared.js', resolve);
    current.record(`${ORIGIN}/about`, '/about.css, /shared.js', resolve);
    expect(current.has(`${ORIGIN}/app-1.css`)).toBe(true);
    current.record(`${ORIGIN}/`, '/app-2.css', resolve);
    expect(current.has(`${ORIGIN}/app-1.css`)).toBe(false);
    expect(current.has(`${ORIGIN}/app-2.css`)).toBe(true);
    expect(current.has(`${ORIGIN}/shared.js`)).toBe(true); // /about still lists it
    current.record(`${ORIGIN}/about`, '', resolve);
    expect(current.has(`${ORIGIN}/shared.js`)).toBe(false);
  });

  it('ignores a missing header and paths the resolver refuses; bounds pages and assets per page', () => {
    const current = new CurrentAssets();
    current.record(`${ORIGIN}/`, null, resolve);
    current.record(`${ORIGIN}/x`, 'https://evil.example/a.js, //evil.example/b.js, /ok.js', resolve);
    expect(current.has('https://evil.example/a.js')).toBe(false);
    expect(current.has(`${ORIGIN}/ok.js`)).toBe(true);
    current.record(`${ORIGIN}/big`, Array.from({ length: 2000 }, (_, i) => `/a${i}.js`).join(','), resolve);
    expect(current.has(`${ORIGIN}/a511.js`)).toBe(true);
    expect(current.has(`${ORIGIN}/a512.js`)).toBe(false);
    for (let i = 0; i < 64; i++) current.record(`${ORIGIN}/p${i}`, `/p${i}.js`, resolve);
    // 64 pages kept: the oldest ones (/x, /big) are forgotten.
    expect(current.has(`${ORIGIN}/ok.js`)).toBe(false);
    expect(current.has(`${ORIGIN}/a0.js`)).toBe(false);
    expect(current.has(`${ORIGIN}/p0.js`)).toBe(true);
  });

  it('is keyed as pruning is (page-key.ts): a query variant replaces the path\'s list instead of adding one', () => {
    const current = new CurrentAssets();
    current.record(pageKey(`${ORIGIN}/search?q=a`), '/app-1.js', resolve);
    current.record(pageKey(`${ORIGIN}/search?q=b`), '/app-2.js', resolve);
    expect(current.has(`${ORIGIN}/app-1.js`)).toBe(false);
    expect(current.has(`${ORIGIN}/app-2.js`)).toBe(true);
  });
});
