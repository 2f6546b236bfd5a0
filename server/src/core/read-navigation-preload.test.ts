import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeDigest, formatCacheDigestHeader, base64urlEncode } from '@cache-digest/shared';
import { CacheDigestCore } from './cache-digest-core.ts';
import { readDigestSignals } from './read-navigation-preload.ts';
import type { PageAsset, PageRequest } from './types.ts';

const ORIGIN = 'https://example.test';
const assets: PageAsset[] = [
  { url: '/app.css', as: 'style', type: 'text/css', size: 100, etag: '"css1"' },
  { url: '/app.js', as: 'script', type: 'text/javascript', size: 200, etag: '"js1"' },
];
const heldCss = formatCacheDigestHeader([{ digest: encodeDigest([ORIGIN + '/app.css'], { pBits: 16 }), complete: true }]);
const preload = (value: string) => ({ 'service-worker-navigation-preload': value });

function plan(headers: Record<string, string>, options: { maxDigestHeaderLength?: number; pushEnabled?: boolean } = {}) {
  const lines: string[] = [];
  const core = new CacheDigestCore({ pages: { '/index.html': assets }, log: (line) => lines.push(line), ...options });
  const request: PageRequest = { method: 'GET', path: '/', authority: 'example.test', scheme: 'https', headers, pushEnabled: options.pushEnabled ?? false, http2: true };
  return core.plan(request, core.pageAssets('/')!);
}

describe('readDigestSignals (Service-Worker-Navigation-Preload fallback)', () => {
  it('reads the push-stream request and the digests from the preload value when the normal headers are absent', () => {
    expect(readDigestSignals(preload(`accept-push-stream=1; cache-digest=${heldCss}`))).toEqual({ acceptsPushStream: true, cacheDigest: heldCss });
    const streamed = plan(preload(`accept-push-stream=1; cache-digest=${heldCss}`));
    expect(streamed).toMatchObject({ mode: 'stream', digestStatus: 'valid', digestEntries: 1 });
    expect(streamed.assets.map((entry) => entry.state)).toEqual(['fresh', 'missing']);
  });

  it('reads the digest without the push-stream request, whatever the order, case and spacing of the fields', () => {
    expect(readDigestSignals(preload(`cache-digest=${heldCss}`))).toEqual({ acceptsPushStream: false, cacheDigest: heldCss });
    expect(readDigestSignals(preload(`  Other=x;ACCEPT-PUSH-STREAM = 1 ;  Cache-Digest=${heldCss}  `))).toEqual({ acceptsPushStream: true, cacheDigest: heldCss });
    expect(plan(preload(`cache-digest=${heldCss}`))).toMatchObject({ mode: 'hints', digestStatus: 'valid' });
  });

  it('the normal headers win over the preload value, each on its own', () => {
    const other = formatCacheDigestHeader([{ digest: encodeDigest([ORIGIN + '/app.js'], { pBits: 16 }), complete: true }]);
    const both = { 'cache-digest': other, 'accept-push-stream': '0', ...preload(`accept-push-stream=1; cache-digest=${heldCss}`) };
    expect(readDigestSignals(both)).toEqual({ acceptsPushStream: false, cacheDigest: other });
    expect(readDigestSignals({ 'cache-digest': other, ...preload(`accept-push-stream=1; cache-digest=${heldCss}`) })).toEqual({ acceptsPushStream: true, cacheDigest: other });
    expect(readDigestSignals({ 'accept-push-stream': '1', ...preload(`cache-digest=${heldCss}`) })).toEqual({ acceptsPushStream: true, cacheDigest: heldCss });
  });

  it("the default value 'true' and values without fields give nothing", () => {
    for (const value of ['true', '', 'false', '1', ';;;', '=1', 'accept-push-stream', 'cache-digest=']) {
      expect(readDigestSignals(preload(value)), value).toEqual({ acceptsPushStream: false, cacheDigest: undefined });
      expect(plan(preload(value)), value).toMatchObject({ mode: 'hints', digestStatus: 'none' });
    }
    expect(readDigestSignals({})).toEqual({ acceptsPushStream: false, cacheDigest: undefined });
  });

  it('a malformed or oversized digest in the preload value counts as no digest, as in the normal header', () => {
    for (const digest of ['***', '!!, Af; complete', base64urlEncode(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), 'A'.repeat(5000)]) {
      const result = plan(preload(`accept-push-stream=1; cache-digest=${digest}`), { maxDigestHeaderLength: 2048 });
      expect(result, digest.slice(0, 20)).toMatchObject({ mode: 'stream', digestStatus: 'invalid', digestEntries: 0 });
      expect(result.assets.every((entry) => entry.state === 'missing')).toBe(true);
    }
    // Too many fields before the digest: malformed, nothing read.
    expect(readDigestSignals(preload(`${'a=1; '.repeat(20)}accept-push-stream=1; cache-digest=${heldCss}`))).toEqual({ acceptsPushStream: false, cacheDigest: undefined });
  });

  it('never throws on arbitrary values (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), fc.constantFrom('', 'accept-push-stream=1; cache-digest=', 'cache-digest='), (value, prefix) => {
        const signals = readDigestSignals(preload(prefix + value));
        expect(typeof signals.acceptsPushStream).toBe('boolean');
        expect(['none', 'valid', 'invalid']).toContain(plan(preload(prefix + value)).digestStatus);
      }),
      { numRuns: 500 },
    );
  });
});
