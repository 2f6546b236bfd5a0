import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isContentHashedName } from './cache-control.ts';
import { ImmutableGlobError, immutablePaths } from './immutable-paths.ts';
import { StaticSite } from './static-site.ts';

/** Rollup/Vite's hash alphabet (base64url), 8 characters from a SHA-256 digest as Vite makes them. */
function viteLikeHash(seed: number): string {
  return createHash('sha256').update(`file-${seed}`).digest('base64url').slice(0, 8);
}

describe('isContentHashedName', () => {
  it.each([
    // Vite's base64url hashes, with and without digits, `-` and `_` (from the demo build).
    'escape-html-DdorVCpF.js',
    'photo-04-BcAp__Vw.png',
    'index-D-y3x_9q.js',
    'main-BnHVKcOj.css',
    'gallery-CtqzKWEp.js',
    'app-3f2a9c1b.js',
    'app.3F2A9C1B.css',
    'chunk.3f2a9c1b.min.js',
    'vendor-0123456789abcdef.js',
    'runtime.a1b2c3d4e5f6a7b8.js',
  ])('%s is content-hashed', (name) => {
    expect(isContentHashedName(name)).toBe(true);
  });

  it.each([
    'main-menu.js',
    'about-us.css',
    'page-about-us.css',
    'app-HomePage.js',
    'site-Top-Menu.css',
    'user-settings.js',
    'Inter-SemiBold.woff2',
    'MaterialIcons-Regular.woff2',
    'my-component-library.js',
    'jquery-3.7.1.min.js',
    'jquery.validate.unobtrusive.min.js',
    'bootstrap.bundle.min.js',
    'lib-ubuntu2204.js',
    'photo-20240101.png',
    'logo-512x512.png',
    'main.js',
    'abcdefgh.js',
    'index.html',
    'README',
  ])('%s is not', (name) => {
    expect(isContentHashedName(name)).toBe(false);
  });

  it('misses fewer than 1% of 20,000 Vite-style 8-character hashes', () => {
    let missed = 0;
    for (let seed = 0; seed < 20_000; seed++) {
      if (!isContentHashedName(`module-${viteLikeHash(seed)}.js`)) missed++;
    }
    expect(missed / 20_000).toBeLessThan(0.01);
  });
});

describe('immutablePaths', () => {
  it('without a list, guesses from the file name; globs add paths and names', () => {
    const test = immutablePaths({ globs: ['/static/**', '*.woff2', 'img/*.png'] });
    expect(test('/assets/escape-html-DdorVCpF.js')).toBe(true);
    expect(test('/assets/main-menu.js')).toBe(false);
    expect(test('/static/deep/main-menu.js')).toBe(true);
    expect(test('/static/x.css')).toBe(true);
    expect(test('/fonts/inter.woff2')).toBe(true);
    expect(test('/img/logo.png')).toBe(true);
    expect(test('/img/sub/logo.png')).toBe(false);
    expect(test('/imgXlogo.png')).toBe(false);
  });

  it('with a list, exactly the listed paths (decoded) and the globs', () => {
    const test = immutablePaths({ listed: ['/assets/a%20b-x.js', '/assets/main-menu.js'], globs: ['*.woff2'] });
    expect(test('/assets/a b-x.js')).toBe(true);
    expect(test('/assets/a%20b-x.js')).toBe(true);
    expect(test('/assets/main-menu.js')).toBe(true);
    expect(test('/assets/escape-html-DdorVCpF.js')).toBe(false);
    expect(test('/f.woff2')).toBe(true);
  });

  it('refuses unusable globs with a typed error', () => {
    expect(() => immutablePaths({ globs: [''] })).toThrow(ImmutableGlobError);
    expect(() => immutablePaths({ globs: ['x'.repeat(2000)] })).toThrow(ImmutableGlobError);
    expect(() => immutablePaths({ globs: Array.from({ length: 300 }, () => '*.js') })).toThrow(ImmutableGlobError);
    // Regex characters in a glob are literal.
    expect(immutablePaths({ globs: ['/a(b)+.js'] })('/a(b)+.js')).toBe(true);
  });
});

describe('StaticSite with an immutable test', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'immutable-paths-'));
    await mkdir(path.join(root, 'assets'));
    for (const name of ['escape-html-DdorVCpF.js', 'main-menu.js', 'photo-04-BcAp__Vw.png']) await writeFile(path.join(root, 'assets', name), name);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const cacheControlOf = async (site: StaticSite, urlPath: string) => (await site.resolve(urlPath))!.cacheControl;

  it('serves the guessed hashed names immutable by default, and exactly the listed ones with a list', async () => {
    const guessing = new StaticSite({ root });
    expect(await cacheControlOf(guessing, '/assets/escape-html-DdorVCpF.js')).toBe('public, max-age=31536000, immutable');
    expect(await cacheControlOf(guessing, '/assets/photo-04-BcAp__Vw.png')).toBe('public, max-age=31536000, immutable');
    expect(await cacheControlOf(guessing, '/assets/main-menu.js')).toBe('public, max-age=3600');
    const listed = new StaticSite({ root, immutable: immutablePaths({ listed: ['/assets/main-menu.js'] }) });
    expect(await cacheControlOf(listed, '/assets/main-menu.js')).toBe('public, max-age=31536000, immutable');
    expect(await cacheControlOf(listed, '/assets/escape-html-DdorVCpF.js')).toBe('public, max-age=3600');
  });
});
