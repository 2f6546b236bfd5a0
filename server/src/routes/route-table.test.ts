import { describe, expect, it } from 'vitest';
import { CacheDigestCore } from '../core/cache-digest-core.ts';
import { ManifestError } from '../manifest/manifest-error.ts';
import { validateManifest } from '../manifest/validate-manifest.ts';
import { parseRoutePattern, RoutePatternError } from './route-pattern.ts';
import { RouteTable } from './route-table.ts';

const table = (...patterns: string[]) => new RouteTable(patterns.map((pattern) => [pattern, pattern] as const));
const matched = (routes: RouteTable<string>, path: string) => routes.match(path)?.value;

describe('route patterns', () => {
  it('match literal segments, one non-empty segment per parameter, and the rest for a final *', () => {
    const routes = table('/posts/:slug', '/docs/*', '/shop/:category/:id');
    expect(matched(routes, '/posts/hello')).toBe('/posts/:slug');
    expect(matched(routes, '/posts/hello?page=2#top')).toBe('/posts/:slug');
    expect(matched(routes, '/posts/')).toBeUndefined();
    expect(matched(routes, '/posts/a/b')).toBeUndefined();
    expect(matched(routes, '/posts/hello/')).toBeUndefined();
    expect(matched(routes, '/docs/')).toBe('/docs/*');
    expect(matched(routes, '/docs/a/b/c.html')).toBe('/docs/*');
    expect(matched(routes, '/docs')).toBeUndefined();
    expect(matched(routes, '/shop/shoes/42')).toBe('/shop/:category/:id');
    expect(matched(routes, '/shop/shoes')).toBeUndefined();
    expect(matched(routes, '/Posts/hello')).toBeUndefined();
    expect(matched(routes, 'posts/hello')).toBeUndefined();
  });

  it('rank: without parameters, then parameters, then wildcard; then the longer literal prefix; then the earlier pattern', () => {
    const routes = table('/*', '/posts/*', '/:section/:id', '/posts/:slug', '/posts/featured', '/:a/:b/edit', '/:x/:y/edit');
    expect(matched(routes, '/posts/featured')).toBe('/posts/featured');
    expect(matched(routes, '/posts/other')).toBe('/posts/:slug');
    expect(matched(routes, '/news/other')).toBe('/:section/:id');
    expect(matched(routes, '/posts/a/b')).toBe('/posts/*');
    expect(matched(routes, '/about')).toBe('/*');
    expect(matched(routes, '/')).toBe('/*');
    // Equal kind and prefix: the earlier one.
    expect(matched(routes, '/a/b/edit')).toBe('/:a/:b/edit');
  });

  it('a parameter route beats a wildcard whose literal prefix is longer', () => {
    expect(matched(table('/blog/2024/*', '/blog/:year/:slug'), '/blog/2024/x')).toBe('/blog/:year/:slug');
  });

  it('backtracks from a literal branch that dead-ends to a parameter branch', () => {
    expect(matched(table('/posts/new', '/:section/:id/comments'), '/posts/new/comments')).toBe('/:section/:id/comments');
  });

  it('costs at most the table whatever the path (a deep path against a deep table)', () => {
    const deep = '/' + Array.from({ length: 150 }, (_, i) => `:p${i}`).join('/');
    const routes = table(deep, '/a/*');
    expect(matched(routes, '/' + Array.from({ length: 150 }, () => 'x').join('/'))).toBe(deep);
    expect(matched(routes, '/' + Array.from({ length: 100_000 }, () => 'x').join('/'))).toBeUndefined();
  });

  it.each([
    ['posts/:slug', 'NOT_A_PATH'],
    ['/posts/:', 'BAD_PARAMETER'],
    ['/posts/:1x', 'BAD_PARAMETER'],
    ['/posts/:slug-x', 'BAD_PARAMETER'],
    ['/:id/:id', 'DUPLICATE_PARAMETER'],
    ['/docs/*/edit', 'WILDCARD_NOT_LAST'],
    ['/docs//x', 'BAD_SEGMENT'],
    ['/a:b', 'BAD_SEGMENT'],
    ['/a*', 'BAD_SEGMENT'],
    ['/a?b', 'BAD_SEGMENT'],
    ['/a/../b', 'BAD_SEGMENT'],
    ['/a b', 'BAD_SEGMENT'],
    ['/' + 'a'.repeat(2000), 'TOO_LONG'],
  ])('refuses %s with %s', (pattern, code) => {
    expect(() => parseRoutePattern(pattern)).toThrow(RoutePatternError);
    try {
      parseRoutePattern(pattern);
    } catch (error) {
      expect((error as RoutePatternError).code).toBe(code);
    }
  });
});

const asset = (url: string) => ({ url, as: 'style', type: 'text/css', size: 10, etag: '"e"' }) as const;

describe('routes in the manifest', () => {
  it('version 2 carries routes, validated like pages; version 1 stays valid without them', () => {
    expect(validateManifest({ version: 1, pages: { '/index.html': [asset('/a.css')] } })).toEqual({ version: 1, pages: { '/index.html': [asset('/a.css')] } });
    const manifest = validateManifest({ version: 2, pages: {}, routes: { '/posts/:slug': [asset('/post.css')], '/docs/*': [] } });
    expect(Object.keys(manifest.routes!)).toEqual(['/posts/:slug', '/docs/*']);
  });

  it.each([
    [{ version: 1, pages: {}, routes: {} }, 'routes', /needs "version": 2/],
    [{ version: 3, pages: {} }, 'version', /1 or 2/],
    [{ version: 2, pages: {}, routes: [] }, 'routes', /must be an object/],
    [{ version: 2, pages: {}, routes: { '/posts/:': [] } }, 'routes["/posts/:"]', /parameter/],
    [{ version: 2, pages: {}, routes: { '/p/:id': {} } }, 'routes["/p/:id"]', /array of assets/],
    [{ version: 2, pages: {}, routes: { '/p/:id': [{ ...asset('https://evil.example/x.css') }] } }, 'routes["/p/:id"][0].url', /another origin|absolute path/],
  ])('refuses a bad manifest with a typed error naming the place (%#)', (value, where, message) => {
    try {
      validateManifest(value);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).code).toBe('INVALID');
      expect((error as ManifestError).where).toBe(where);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('the core looks pages up by exact path, then by route', () => {
  const core = new CacheDigestCore({
    log: false,
    pages: { '/index.html': [asset('/home.css')], '/posts/featured': [asset('/featured.css')] },
    routes: { '/posts/:slug': [asset('/post.css'), asset('https://evil.example/x.css')], '/*': [asset('/any.css')] },
  });
  it('exact beats route; cross-origin assets dropped; the same list for every path of a route', () => {
    expect(core.pageAssets('/')?.map((a) => a.url)).toEqual(['/home.css']);
    expect(core.pageAssets('/posts/featured')?.map((a) => a.url)).toEqual(['/featured.css']);
    expect(core.pageAssets('/posts/one?x=1')?.map((a) => a.url)).toEqual(['/post.css']);
    expect(core.pageAssets('/posts/one')).toBe(core.pageAssets('/posts/two'));
    expect(core.pageAssets('/about')?.map((a) => a.url)).toEqual(['/any.css']);
  });
  it('a bad pattern given to the core throws a typed error at construction', () => {
    expect(() => new CacheDigestCore({ log: false, pages: {}, routes: { '/a/*/b': [] } })).toThrow(RoutePatternError);
  });
});
