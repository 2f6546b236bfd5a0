import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from './accept-encoding.ts';
import { ByteCache } from './byte-cache.ts';
import { isContentHashedName } from './cache-control.ts';
import { evaluatePreconditions, parseEtagList } from './conditional.ts';
import { isCompressibleType } from './content-type.ts';
import { parseRange } from './range.ts';
import { formatUrlPath, parseUrlPath } from './url-path.ts';

describe('isContentHashedName', () => {
  it.each([
    ['main-3f2a9c1b.js', true],
    ['app.3F2A9C1B.css', true],
    ['index-D-y3x_9q.js', true],
    ['chunk.3f2a9c1b.min.js', true],
    ['vendor-0123456789abcdef.js', true],
    ['main.js', false],
    ['my-component-library.js', false],
    ['jquery-3.7.1.min.js', false],
    ['index.html', false],
    ['abcdefgh.js', false],
    ['logo@2x.png', false],
    ['12345678', false],
  ])('%s -> %s', (name, hashed) => {
    expect(isContentHashedName(name)).toBe(hashed);
  });
});

describe('negotiateEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.2, gzip;q=0.9', 'gzip'],
    ['*', 'br'],
    ['*;q=0, gzip;q=0.1', 'gzip'],
    ['identity', 'identity'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['x-gzip', 'gzip'],
    ['BR', 'br'],
  ])('%s -> %s', (header, coding) => {
    expect(negotiateEncoding(header)).toBe(coding);
  });
});

describe('parseRange', () => {
  it('reads single ranges and refuses what cannot be satisfied', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'range', range: { start: 0, end: 9 } });
    expect(parseRange('bytes=90-200', 100)).toEqual({ kind: 'range', range: { start: 90, end: 99 } });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', range: { start: 90, end: 99 } });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'range', range: { start: 0, end: 99 } });
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=5-1', 100)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=0-1,3-4', 100)).toEqual({ kind: 'none' });
    expect(parseRange('lines=0-1', 100)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=99999999999999999999-', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('always returns bounds inside the representation', () => {
    // Real range forms (first-last, first-, -suffix) with bounds around and past the size, odd spacing and case,
    // and now and then a number too large for a double; the hits are counted so the assertions provably run.
    const bound = fc.oneof({ weight: 8, arbitrary: fc.nat(20_000).map(String) }, { weight: 1, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{16,30}$/) });
    const space = fc.constantFrom('', ' ', '  ');
    const header = fc
      .tuple(fc.constantFrom('bytes', 'BYTES', 'Bytes'), space, bound, space, bound, space)
      .map(([unit, s, first, t, last, u]) => `${unit}${s}=${t}${first}${s}-${u}${last}${t}`);
    let ranges = 0;
    let suffixes = 0;
    let unsatisfiable = 0;
    fc.assert(
      fc.property(header, fc.nat(10_000), (value, size) => {
        const result = parseRange(value, size);
        if (result.kind === 'unsatisfiable') unsatisfiable++;
        if (result.kind !== 'range') return;
        ranges++;
        const { start, end } = result.range;
        expect(start).toBeGreaterThanOrEqual(0);
        expect(end).toBeLessThan(size);
        expect(start).toBeLessThanOrEqual(end);
        const [first, last] = value.split('=')[1]!.split('-').map((part) => part.trim()) as [string, string];
        if (first === '') {
          suffixes++;
          // The last N bytes, or all of them when N exceeds the size.
          expect(end).toBe(size - 1);
          expect(end - start + 1).toBe(Math.min(Number(last), size));
        } else {
          expect(start).toBe(Number(first));
          expect(end).toBe(last === '' ? size - 1 : Math.min(Number(last), size - 1));
        }
      }),
      { numRuns: 2000 },
    );
    expect(ranges).toBeGreaterThan(400);
    expect(suffixes).toBeGreaterThan(50);
    expect(unsatisfiable).toBeGreaterThan(50);
  });
});

describe('preconditions', () => {
  const current = { etag: '"abc"', mtime: new Date('2026-01-01T00:00:00Z') };
  it('splits entity-tag lists, commas in quotes included', () => {
    expect(parseEtagList('"a", W/"b,c" ,"d"')).toEqual(['"a"', 'W/"b,c"', '"d"']);
    expect(parseEtagList('*')).toEqual(['*']);
  });
  it('follows RFC 9110 order', () => {
    expect(evaluatePreconditions({ 'if-none-match': 'W/"abc"' }, current)).toBe('not-modified');
    expect(evaluatePreconditions({ 'if-match': 'W/"abc"' }, current)).toBe('failed');
    expect(evaluatePreconditions({ 'if-unmodified-since': 'Wed, 31 Dec 2025 00:00:00 GMT' }, current)).toBe('failed');
    expect(evaluatePreconditions({ 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' }, current)).toBe('not-modified');
    expect(evaluatePreconditions({ 'if-modified-since': 'garbage' }, current)).toBe('proceed');
  });
});

describe('parseUrlPath', () => {
  it('decodes segments and keeps directories apart', () => {
    expect(parseUrlPath('/a%20b/c.css?x=1#f')).toEqual({ ok: true, segments: ['a b', 'c.css'], directory: false });
    expect(parseUrlPath('/')).toEqual({ ok: true, segments: [], directory: true });
    expect(parseUrlPath('/docs/')).toEqual({ ok: true, segments: ['docs'], directory: true });
    expect(formatUrlPath(['a b', 'c@2x.png'])).toBe('/a%20b/c@2x.png');
  });

  it('never yields a segment that could leave the root or name a hidden file, and never throws', () => {
    const pieces = fc.constantFrom('/', '.', '..', '%2e', '%2E', '%2f', '%5c', '\\', '%00', 'a', '%', '%zz', '?', '#', 'é', '%C3%A9');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join('')), fc.string(), (built, random) => {
        for (const input of [built, '/' + built, random]) {
          const result = parseUrlPath(input);
          if (result.ok) {
            for (const segment of result.segments) {
              expect(segment).not.toMatch(/^\.|[/\\\u0000]/);
              expect(segment).not.toBe('');
            }
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ByteCache and compressible types', () => {
  it('evicts least recently used entries to stay within its budget', () => {
    const cache = new ByteCache(10);
    cache.set('a', new Uint8Array(4));
    cache.set('b', new Uint8Array(4));
    cache.get('a');
    cache.set('c', new Uint8Array(4));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.bytes).toBe(8);
    cache.set('huge', new Uint8Array(11));
    expect(cache.get('huge')).toBeUndefined();
  });
  it('compresses text but not already compressed formats', () => {
    expect(isCompressibleType('text/css; charset=utf-8')).toBe(true);
    expect(isCompressibleType('image/svg+xml')).toBe(true);
    expect(isCompressibleType('application/manifest+json')).toBe(true);
    expect(isCompressibleType('font/woff2')).toBe(false);
    expect(isCompressibleType('image/png')).toBe(false);
  });
});
