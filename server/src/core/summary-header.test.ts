import { describe, expect, it } from 'vitest';
import { base64urlEncode, encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { CacheDigestCore } from './cache-digest-core.ts';
import { formatSummaryHeader, parseSummaryHeader } from './summary-header.ts';
import type { PageAsset } from './types.ts';

const assets: PageAsset[] = [
  { url: '/app.css', as: 'style', type: 'text/css', size: 100, etag: '"c"' },
  { url: '/app.js', as: 'script', type: 'text/javascript', size: 200, etag: '"j"' },
];

/** One hints-mode page request with `cacheDigest` (if any) through a real core; its summary and log line. */
function visit(cacheDigest?: string) {
  const lines: string[] = [];
  const core = new CacheDigestCore({ pages: { '/index.html': assets }, mode: 'hints', log: (line) => lines.push(line) });
  const request = { method: 'GET', path: '/', authority: 'example.test', scheme: 'https', pushEnabled: false, http2: true, headers: cacheDigest === undefined ? {} : { 'cache-digest': cacheDigest } };
  const plan = core.plan(request, core.pageAssets('/')!);
  const held = plan.assets.filter((entry) => entry.state === 'fresh').map((entry) => entry.asset);
  const outcome = { pushed: plan.assets.filter((entry) => entry.state !== 'fresh').map((entry) => entry.asset), skipped: held };
  core.record(request, plan, outcome, 200);
  return { header: core.pageHeaders(plan, outcome)['cache-digest-push'], log: lines[0]! };
}

const digestOf = (urls: string[], pBits: number) => formatCacheDigestHeader([{ digest: base64urlEncode(encodeDigest(urls.map((url) => ({ url })), { pBits })), complete: true }]);

describe('summary header trailing fields', () => {
  it('keeps the five fields first and in order, then p= (the risk seen) and over-budget= (only when over)', () => {
    const small = visit(digestOf(['https://example.test/app.css'], 9));
    expect(small.header).toBe('mode=hints; digest=1; pushed=1; skipped=1; bytes=200; p=9');
    expect(parseSummaryHeader(small.header)).toEqual({ mode: 'hints', digest: 1, pushed: 1, skipped: 1, bytes: 200, pBits: 9 });
    expect(small.log).toMatch(/bytes=200; p=9( \||$)/);
    expect(small.log).not.toContain('over-budget');

    // 1,000 URLs at P = 2^9 make a value of about 1,750 characters: over the 1,400 budget (within the server's
    // bounds, 2,048 characters and 1,024 entries), and the log says so.
    const urls = Array.from({ length: 1000 }, (_, i) => `https://example.test/other/${i}.js`).concat('https://example.test/app.js');
    const big = digestOf(urls, 9);
    expect(big.length).toBeGreaterThan(1400);
    expect(big.length).toBeLessThan(2048);
    const over = visit(big);
    // digest= counts distinct hashes: a few of 1,001 URLs may share one at this P.
    expect(over.header).toMatch(new RegExp(`^mode=hints; digest=(99\\d|1001); pushed=1; skipped=1; bytes=100; p=9; over-budget=${big.length}$`));
    expect(parseSummaryHeader(over.header)).toMatchObject({ skipped: 1, pBits: 9, overBudget: big.length });
    expect(over.log).toContain(`; over-budget=${big.length}`);

    // No digest: no trailing fields at all.
    expect(visit().header).toBe('mode=hints; digest=0; pushed=2; skipped=0; bytes=300');
  });

  it('parses the five fields with any trailing name=value fields, and refuses anything else', () => {
    expect(parseSummaryHeader('mode=push; digest=3; pushed=1; skipped=2; bytes=10; p=7; future-field=x.1')).toEqual({
      mode: 'push', digest: 3, pushed: 1, skipped: 2, bytes: 10, pBits: 7,
    });
    expect(parseSummaryHeader(formatSummaryHeader({ mode: 'stream', digest: 1, pushed: 0, skipped: 1, bytes: 0, pBits: 5, overBudget: 2000 }))).toEqual({
      mode: 'stream', digest: 1, pushed: 0, skipped: 1, bytes: 0, pBits: 5, overBudget: 2000,
    });
    for (const bad of [
      'p=7; mode=push; digest=3; pushed=1; skipped=2; bytes=10',
      'mode=push; digest=3; pushed=1; bytes=10; skipped=2',
      'mode=push; digest=3; pushed=1; skipped=2; bytes=10;p=7',
      'mode=push; digest=3; pushed=1; skipped=2; bytes=10; p',
      `mode=push; digest=3; pushed=1; skipped=2; bytes=10; ${'x=1;'.repeat(10_000)}`,
    ]) {
      expect(parseSummaryHeader(bad), bad.slice(0, 60)).toBeNull();
    }
    // A known field with a non-numeric value is ignored, not misread.
    expect(parseSummaryHeader('mode=none; digest=0; pushed=0; skipped=0; bytes=0; p=x')).toEqual({ mode: 'none', digest: 0, pushed: 0, skipped: 0, bytes: 0 });
  });
});
