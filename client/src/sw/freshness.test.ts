import { describe, expect, it } from 'vitest';
import { cachePolicy, parseCacheControl } from './freshness.ts';

const T = Date.parse('2026-11-27T10:00:00Z');
const at = (headers: Record<string, string>, status = 200, times = { requestTime: T - 100, responseTime: T }) =>
  cachePolicy(status, new Headers(headers), times);

describe('cachePolicy', () => {
  it('max-age counts from the response time minus the corrected initial age', () => {
    const policy = at({ 'cache-control': 'max-age=60', date: new Date(T).toUTCString() });
    // request to response took 100 ms: that delay counts as age.
    expect(policy).toMatchObject({ storable: true, freshUntil: T + 60_000 - 100, immutable: false });
  });

  it('Age and an old Date shorten the lifetime', () => {
    expect(at({ 'cache-control': 'max-age=60', age: '50', date: new Date(T).toUTCString() }).freshUntil).toBe(T + 10_000 - 100);
    expect(at({ 'cache-control': 'max-age=60', date: new Date(T - 30_000).toUTCString() }).freshUntil).toBe(T + 30_000);
    expect(at({ 'cache-control': 'max-age=60', age: '120' }).freshUntil).toBe(0);
  });

  it('Expires is relative to Date, and an invalid Expires is stale', () => {
    const date = new Date(T - 10_000).toUTCString();
    expect(at({ expires: new Date(T + 50_000).toUTCString(), date }).freshUntil).toBe(T + 50_000);
    expect(at({ expires: '0', date }).freshUntil).toBe(0);
    // max-age wins over Expires
    expect(at({ expires: new Date(T + 50_000).toUTCString(), 'cache-control': 'max-age=5' }).freshUntil).toBe(T + 5000 - 100);
  });

  it('no-store and Vary: * are not storable; no-cache is storable but never fresh', () => {
    expect(at({ 'cache-control': 'no-store, max-age=60' }).storable).toBe(false);
    expect(at({ 'cache-control': 'max-age=60', vary: 'accept, *' }).storable).toBe(false);
    const noCache = at({ 'cache-control': 'no-cache, max-age=60', etag: '"x"' });
    expect(noCache).toMatchObject({ storable: true, freshUntil: 0, mustRevalidate: true });
    expect(at({ pragma: 'no-cache', expires: new Date(T + 60_000).toUTCString() }).freshUntil).toBe(0);
  });

  it('immutable and must-revalidate are reported; only 200 is stored', () => {
    expect(at({ 'cache-control': 'public, max-age=31536000, immutable' }).immutable).toBe(true);
    expect(at({ 'cache-control': 'max-age=1, must-revalidate' }).mustRevalidate).toBe(true);
    expect(at({ 'cache-control': 'max-age=60' }, 206).storable).toBe(false);
    expect(at({ 'cache-control': 'max-age=60' }, 404).storable).toBe(false);
  });

  it('without explicit freshness, 10% of Date - Last-Modified, capped at a day', () => {
    const date = new Date(T).toUTCString();
    expect(at({ date, 'last-modified': new Date(T - 1000_000).toUTCString() }).freshUntil).toBe(T + 100_000 - 100);
    expect(at({ date, 'last-modified': new Date(T - 100 * 86400_000).toUTCString() }).freshUntil).toBe(T + 86400_000 - 100);
    expect(at({ date }).freshUntil).toBe(0);
  });

  it('bad max-age values make the response stale instead of throwing', () => {
    expect(at({ 'cache-control': 'max-age=abc' }).freshUntil).toBe(0);
    expect(at({ 'cache-control': 'max-age=-5' }).freshUntil).toBe(0);
    expect(at({ 'cache-control': 'max-age="30"' }).freshUntil).toBe(T + 30_000 - 100);
  });
});

describe('parseCacheControl', () => {
  it('lower-cases names, unquotes values, keeps the first duplicate', () => {
    const directives = parseCacheControl('Max-Age=10, max-age=99, private="x", , no-cache');
    expect([...directives]).toEqual([['max-age', '10'], ['private', 'x'], ['no-cache', '']]);
  });
});
