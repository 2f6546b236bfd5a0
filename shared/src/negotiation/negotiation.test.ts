import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPreloadValue, headerView, parsePreloadValue, readNegotiation } from './index.ts';

describe('negotiation wire format', () => {
  it('reads back every value the worker writes', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}(; (complete|validators|stale|reset))*$/), (digest) => {
        expect(parsePreloadValue(formatPreloadValue(digest))).toEqual({ acceptPushStream: '1', cacheDigest: digest });
        expect(readNegotiation(new Headers({ 'service-worker-navigation-preload': formatPreloadValue(digest) }))).toEqual({ acceptsPushStream: true, cacheDigest: digest });
      }),
    );
  });

  it('gives nothing for the default preload value, malformed values and too many fields, and never throws', () => {
    expect(parsePreloadValue('true')).toEqual({});
    expect(parsePreloadValue('=x; cache-digest=AAA')).toEqual({});
    expect(parsePreloadValue(`${'a=1; '.repeat(9)}cache-digest=AAA`)).toEqual({});
    expect(parsePreloadValue(`${'a=1; '.repeat(8)}cache-digest=AAA`)).toEqual({ cacheDigest: 'AAA' });
    expect(parsePreloadValue(undefined)).toEqual({});
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (value) => void parsePreloadValue(value)));
  });

  it('prefers the request headers over the preload value, per field, and reads Web Headers and Node records alike', () => {
    const preload = formatPreloadValue('AAA');
    expect(readNegotiation(headerView({ 'cache-digest': 'BBB', 'service-worker-navigation-preload': preload }))).toEqual({ acceptsPushStream: true, cacheDigest: 'BBB' });
    expect(readNegotiation(new Headers({ 'accept-push-stream': '0', 'service-worker-navigation-preload': preload }))).toEqual({ acceptsPushStream: false, cacheDigest: 'AAA' });
    expect(readNegotiation(headerView({ 'accept-push-stream': ['1', '0'], 'cache-digest': ['AAA', 'BBB; complete'] }))).toEqual({ acceptsPushStream: true, cacheDigest: 'AAA, BBB; complete' });
    // A header named like an Object.prototype member reads nothing from the prototype.
    expect(headerView({}).get('constructor')).toBeUndefined();
  });
});
