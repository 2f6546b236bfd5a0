import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeDigest as encode, formatCacheDigestHeader, base64urlEncode } from '@cache-digest/shared';
import { CacheDigestCore } from './cache-digest-core.ts';
import { ConnectionDigests } from './connection-digests.ts';
import { chooseMode } from './choose-mode.ts';
import { orderAssets } from './order-assets.ts';
import { preloadLink } from './preload-link.ts';
import { makePrivate, mergeVary } from './response-privacy.ts';
import { formatSummaryHeader, parseSummaryHeader } from './summary-header.ts';
import type { PageAsset, PageRequest } from './types.ts';

const ORIGIN = 'https://example.test';
const assets: PageAsset[] = [
  { url: '/img/a.png', as: 'image', type: 'image/png', size: 500, etag: '"img1"' },
  { url: '/m.js', as: 'script', type: 'text/javascript', size: 300, etag: '"m1"', module: true },
  { url: '/font.woff2', as: 'font', type: 'font/woff2', size: 700, etag: '"f1"', crossorigin: true },
  { url: '/app.css', as: 'style', type: 'text/css', size: 100, etag: '"css1"' },
  { url: '/classic.js', as: 'script', type: 'text/javascript', size: 200, etag: '"js1"' },
];

function request(headers: Record<string, string> = {}, overrides: Partial<PageRequest> = {}): PageRequest {
  return { method: 'GET', path: '/', authority: 'example.test', scheme: 'https', headers, pushEnabled: true, http2: true, ...overrides };
}

function core(mode: ConstructorParameters<typeof CacheDigestCore>[0]['mode'] = 'auto', lines: string[] = []) {
  return new CacheDigestCore({ pages: { '/index.html': assets }, mode, log: (line) => lines.push(line) });
}

function stateOf(c: CacheDigestCore, headers: Record<string, string>) {
  const plan = c.plan(request(headers), c.pageAssets('/')!);
  return Object.fromEntries(plan.assets.map((entry) => [entry.asset.url, entry.state]));
}

const abs = (url: string) => ORIGIN + url;
// 1/65536 false positives: assertions that an asset is missing must not hit one.
const encodeDigest = (entries: Parameters<typeof encode>[0], options: Parameters<typeof encode>[1] = {}) => encode(entries, { pBits: 16, ...options });

describe('CacheDigestCore', () => {
  it('maps page paths and orders assets: CSS, classic scripts, modules, fonts, images', () => {
    const c = core();
    expect(c.pageAssets('/?x=1')).toBeDefined();
    expect(c.pageAssets('/index.html')).toBe(c.pageAssets('/'));
    expect(c.pageAssets('/app.css')).toBeUndefined();
    expect(c.pageAssets('/')!.map((a) => a.url)).toEqual(['/app.css', '/classic.js', '/m.js', '/font.woff2', '/img/a.png']);
  });

  it('classifies every asset as missing without a digest', () => {
    expect(Object.values(stateOf(core(), {}))).toEqual(['missing', 'missing', 'missing', 'missing', 'missing']);
  });

  it('skips what a fresh digest holds (some, all)', () => {
    const some = formatCacheDigestHeader([{ digest: encodeDigest([abs('/app.css'), abs('/m.js')]), complete: true }]);
    expect(stateOf(core(), { 'cache-digest': some })).toEqual({
      '/app.css': 'fresh', '/classic.js': 'missing', '/m.js': 'fresh', '/font.woff2': 'missing', '/img/a.png': 'missing',
    });
    const all = formatCacheDigestHeader([{ digest: encodeDigest(assets.map((a) => abs(a.url))) }]);
    expect(Object.values(stateOf(core(), { 'cache-digest': all }))).toEqual(Array(5).fill('fresh'));
  });

  it('with validators, holds only URL + current ETag; a changed ETag is missing', () => {
    const header = formatCacheDigestHeader([
      { digest: encodeDigest([{ url: abs('/app.css'), etag: '"css1"' }, { url: abs('/classic.js'), etag: '"old"' }], { validators: true }), validators: true },
    ]);
    const states = stateOf(core(), { 'cache-digest': header });
    expect(states['/app.css']).toBe('fresh');
    expect(states['/classic.js']).toBe('missing');
  });

  it('a stale validators digest with the current ETag means a 304 is enough; stale without validators is missing', () => {
    const header = formatCacheDigestHeader([
      { digest: encodeDigest([{ url: abs('/app.css'), etag: '"css1"' }, { url: abs('/m.js'), etag: '"old"' }], { validators: true }), validators: true, stale: true },
      { digest: encodeDigest([abs('/classic.js')]), stale: true },
    ]);
    const states = stateOf(core(), { 'cache-digest': header });
    expect(states['/app.css']).toBe('stale-current');
    expect(states['/m.js']).toBe('missing');
    expect(states['/classic.js']).toBe('missing');
  });

  it('uses the request authority and scheme in keys: another origin\'s digest holds nothing here', () => {
    const header = formatCacheDigestHeader([{ digest: encodeDigest(assets.map((a) => 'https://other.test' + a.url)) }]);
    expect(Object.values(stateOf(core(), { 'cache-digest': header }))).toEqual(Array(5).fill('missing'));
  });

  it('skips members with unknown flags, as H2O does', () => {
    const header = formatCacheDigestHeader([{ digest: encodeDigest(assets.map((a) => abs(a.url))), extraFlags: ['future'] }]);
    const plan = core().plan(request({ 'cache-digest': header }), assets);
    expect(plan.digestStatus).toBe('invalid');
    expect(plan.digestError).toMatch(/^member 0 UNSUPPORTED_FLAGS: /);
    expect(plan.assets.every((entry) => entry.state === 'missing')).toBe(true);
  });

  it('treats malformed and oversized digests as no digest, logs and counts them', () => {
    const lines: string[] = [];
    const c = new CacheDigestCore({ pages: { '/index.html': assets }, log: (line) => lines.push(line), maxDigestHeaderLength: 2048 });
    const bad = ['***', '!!, Af; complete', base64urlEncode(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), 'A'.repeat(5000)];
    for (const value of bad) {
      const plan = c.plan(request({ 'cache-digest': value }), c.pageAssets('/')!);
      expect(plan.digestStatus, value.slice(0, 20)).toBe('invalid');
      expect(plan.digestEntries).toBe(0);
      expect(plan.assets.every((entry) => entry.state === 'missing')).toBe(true);
      c.record(request(), plan, { pushed: [], skipped: [] }, 200);
    }
    expect(c.stats.snapshot().invalidDigests).toBe(bad.length);
    expect(lines.every((line) => line.includes('invalid digest ignored'))).toBe(true);
  });

  it('uses the valid members of a header holding malformed ones, and logs the skipped ones with their codes', () => {
    const lines: string[] = [];
    const c = core('auto', lines);
    const held = base64urlEncode(encodeDigest([abs('/app.css'), abs('/m.js')]));
    const plan = c.plan(request({ 'cache-digest': `FOO; stale, ${held}; complete, Af!, AcA; validators; complete` }), c.pageAssets('/')!);
    expect(plan.digestStatus).toBe('valid');
    expect(plan.digestEntries).toBe(2);
    expect(plan.assets.filter((entry) => entry.state === 'fresh').map((entry) => entry.asset.url).sort()).toEqual(['/app.css', '/m.js']);
    expect(plan.digestError).toBe('member 0 UNSUPPORTED_FLAGS: a stale digest without validators cannot tell a current copy; member 2 BAD_BASE64: invalid base64url character at offset 2');
    c.record(request(), plan, { pushed: [], skipped: [] }, 200);
    expect(lines[0]).toContain('digest members skipped (member 0 UNSUPPORTED_FLAGS');
    expect(c.stats.snapshot().invalidDigests).toBe(0);
  });

  it('push mode, connection scope: digests accumulate over one connection, reset forgets them, stream mode reads each request alone', () => {
    const c = new CacheDigestCore({ pages: { '/index.html': assets }, log: false, pushDigestScope: 'connection' });
    const connection = new ConnectionDigests();
    const css = base64urlEncode(encodeDigest([abs('/app.css')]));
    const js = base64urlEncode(encodeDigest([abs('/m.js')]));
    const fresh = (headers: Record<string, string>, overrides: Partial<PageRequest> = {}) =>
      c.plan(request(headers, { connectionDigests: connection, ...overrides }), c.pageAssets('/')!).assets
        .filter((entry) => entry.state === 'fresh').map((entry) => entry.asset.url).sort();
    expect(fresh({ 'cache-digest': css })).toEqual(['/app.css']);
    // A later request adds to it, or sends nothing and keeps it.
    expect(fresh({ 'cache-digest': js })).toEqual(['/app.css', '/m.js']);
    expect(fresh({})).toEqual(['/app.css', '/m.js']);
    const plan = c.plan(request({}, { connectionDigests: connection }), c.pageAssets('/')!);
    expect([plan.mode, plan.digestStatus, plan.digestEntries]).toEqual(['push', 'valid', 2]);
    // The same digest resent is held once.
    expect(fresh({ 'cache-digest': js })).toEqual(['/app.css', '/m.js']);
    expect(c.plan(request({}, { connectionDigests: connection }), c.pageAssets('/')!).digestEntries).toBe(2);
    // Stream mode (a worker) reads its request alone, and leaves the connection's digests as they were.
    expect(fresh({ 'cache-digest': css, 'accept-push-stream': '1' }, { pushEnabled: false })).toEqual(['/app.css']);
    // reset, even on a malformed member, forgets what came before (as H2O); the members after it count.
    expect(fresh({ 'cache-digest': `FOO; reset, ${js}` })).toEqual(['/m.js']);
    expect(fresh({ 'cache-digest': 'AcA; reset' })).toEqual([]);
    expect(connection.complete('url')).toBe(false);
    fresh({ 'cache-digest': `${css}; complete` });
    expect([connection.complete('url'), connection.complete('url-etag')]).toEqual([true, false]);
  });

  it('push mode, request scope (the default, as H2O 2.2.5 keeps digests on the stream): each request alone', () => {
    const c = core('auto');
    const connection = new ConnectionDigests();
    const css = base64urlEncode(encodeDigest([abs('/app.css')]));
    const plan = (headers: Record<string, string>) => c.plan(request(headers, { connectionDigests: connection }), c.pageAssets('/')!);
    expect(plan({ 'cache-digest': css }).assets.filter((entry) => entry.state === 'fresh')).toHaveLength(1);
    const next = plan({});
    expect([next.mode, next.digestStatus, next.digestEntries]).toEqual(['push', 'none', 0]);
  });

  it('H2O unit-test sequence through a connection: AeLA, then the mixed header, then AcA; reset', () => {
    const hello = '/cache-digests.cgi/hello.js';
    const c = new CacheDigestCore({
      pages: { '/index.html': [{ url: hello, as: 'script', type: 'text/javascript', size: 1, etag: '"h"' }, { url: '/notfound.js', as: 'script', type: 'text/javascript', size: 1, etag: '"n"' }] },
      mode: 'push',
      log: false,
      pushDigestScope: 'connection',
    });
    const connection = new ConnectionDigests();
    const states = (value: string) => c.plan(request({ 'cache-digest': value }, { authority: '127.0.0.1.xip.io:8081', connectionDigests: connection }), c.pageAssets('/')!)
      .assets.map((entry) => entry.state);
    expect(states('AeLA')).toEqual(['fresh', 'missing']);
    expect(states('FOO; stale, AcA; validators; complete')).toEqual(['fresh', 'missing']);
    expect(connection.complete('url-etag')).toBe(true);
    expect(states('AcA; reset')).toEqual(['missing', 'missing']);
  });

  it('never throws on arbitrary header values (fuzz)', () => {
    const c = core('auto');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 300 }).map((b) => base64urlEncode(b) + '; complete')), (value) => {
        const plan = c.plan(request({ 'cache-digest': value }), c.pageAssets('/')!);
        expect(['none', 'valid', 'invalid']).toContain(plan.digestStatus);
        expect(plan.assets).toHaveLength(5);
      }),
      { numRuns: 500 },
    );
  });

  it('reports the summary, Vary, private and Links per mode', () => {
    const header = formatCacheDigestHeader([{ digest: encodeDigest([abs('/app.css')]) }]);
    const check = (mode: 'hints' | 'links' | 'off' | 'push' | 'stream', extra: Partial<PageRequest> = {}) => {
      const c = core(mode);
      const plan = c.plan(request({ 'cache-digest': header, 'accept-push-stream': '1' }, extra), c.pageAssets('/')!);
      const missing = plan.assets.filter((e) => e.state === 'missing').map((e) => e.asset);
      const held = plan.assets.filter((e) => e.state !== 'missing').map((e) => e.asset);
      return { plan, headers: c.pageHeaders(plan, { pushed: missing, skipped: held }) };
    };
    const hints = check('hints');
    expect(parseSummaryHeader(hints.headers['cache-digest-push'])).toEqual({ mode: 'hints', digest: 1, pushed: 4, skipped: 1, bytes: 1700, pBits: 16 });
    expect(hints.headers.vary).toBe('cache-digest, accept-push-stream, service-worker-navigation-preload');
    expect(hints.headers.private).toBe(true);
    expect(hints.headers.link).toEqual([
      '</classic.js>; rel=preload; as=script',
      '</m.js>; rel=modulepreload',
      '</font.woff2>; rel=preload; as=font; crossorigin',
      '</img/a.png>; rel=preload; as=image',
    ]);
    const links = check('links');
    expect(parseSummaryHeader(links.headers['cache-digest-push'])!.mode).toBe('hints');
    expect(links.headers.link).toContain('</app.css>; rel=preload; as=style; nopush');
    expect(links.headers.link).toContain('</m.js>; rel=preload; as=script; crossorigin');
    const off = check('off');
    expect(off.headers['cache-digest-push']).toBe('mode=none; digest=0; pushed=0; skipped=0; bytes=0');
    expect(off.headers.vary).toBeUndefined();
    expect(off.headers.link).toBeUndefined();
    expect(check('push').plan.mode).toBe('push');
    expect(check('push', { pushEnabled: false }).plan.mode).toBe('hints');
    expect(check('stream').plan.mode).toBe('stream');
  });

  it('without a digest, a hints response is not private (identical for every digest-less client)', () => {
    const c = core('hints');
    const plan = c.plan(request(), c.pageAssets('/')!);
    expect(c.pageHeaders(plan, { pushed: assets, skipped: [] }).private).toBe(false);
  });

  it('counts stats and writes one log line per request', () => {
    const lines: string[] = [];
    const c = core('auto', lines);
    const header = formatCacheDigestHeader([{ digest: encodeDigest([abs('/app.css')]) }]);
    const plan = c.plan(request({ 'cache-digest': header }), c.pageAssets('/')!);
    const missing = plan.assets.filter((e) => e.state === 'missing').map((e) => e.asset);
    c.record(request(), plan, { pushed: missing, skipped: [assets[3]!] }, 200);
    expect(c.stats.snapshot()).toEqual({ requests: 1, digestsSeen: 1, invalidDigests: 0, assetsPushed: 4, assetsSkipped: 1, bytesPushed: 1700, bytesSaved: 100 });
    expect(lines).toEqual(['cache-digest: GET / 200 | mode=push; digest=1; pushed=4; skipped=1; bytes=1700; p=16']);
  });

  it('logs at three levels and as JSON: summary is one short line, full lists every URL, none writes nothing', () => {
    const header = formatCacheDigestHeader([{ digest: encodeDigest([abs('/app.css')]) }]);
    const run = (options: Partial<ConstructorParameters<typeof CacheDigestCore>[0]>) => {
      const lines: string[] = [];
      const c = new CacheDigestCore({ pages: { '/index.html': assets }, mode: 'hints', log: (line) => lines.push(line), ...options });
      const plan = c.plan(request({ 'cache-digest': header }), c.pageAssets('/')!);
      const missing = plan.assets.filter((e) => e.state === 'missing').map((e) => e.asset);
      const held = plan.assets.filter((e) => e.state !== 'missing').map((e) => e.asset);
      c.record(request({}, { path: '/?q=\u0001x' }), plan, { pushed: missing, skipped: held }, 200);
      return { lines, stats: c.stats.snapshot() };
    };
    const summary = run({});
    expect(summary.lines).toEqual(['cache-digest: GET /?q=?x 200 | mode=hints; digest=1; pushed=4; skipped=1; bytes=1700; p=16']);
    const full = run({ logLevel: 'full' });
    expect(full.lines).toEqual([
      'cache-digest: GET /?q=?x 200 | mode=hints; digest=1; pushed=4; skipped=1; bytes=1700; p=16 | hinted: /classic.js /m.js /font.woff2 /img/a.png | skipped: /app.css',
    ]);
    const none = run({ logLevel: 'none' });
    expect(none.lines).toEqual([]);
    // Counting does not depend on the log.
    expect(none.stats).toEqual(summary.stats);
    const json = run({ logFormat: 'json' });
    expect(json.lines).toHaveLength(1);
    const record = JSON.parse(json.lines[0]!);
    expect(record).toMatchObject({ msg: 'cache-digest page', method: 'GET', path: '/?q=?x', status: 200, mode: 'hints', digest: 1, pushed: 4, skipped: 1, bytes: 1700 });
    expect(record).not.toHaveProperty('hintedUrls');
    expect(Number.isNaN(Date.parse(record.time))).toBe(false);
    const jsonFull = JSON.parse(run({ logFormat: 'json', logLevel: 'full' }).lines[0]!);
    expect(jsonFull.hintedUrls).toEqual(['/classic.js', '/m.js', '/font.woff2', '/img/a.png']);
    expect(jsonFull.skippedUrls).toEqual(['/app.css']);
  });

  it('keeps the summary line bounded however many assets a page has', () => {
    const many: PageAsset[] = Array.from({ length: 500 }, (_, i) => ({ url: `/assets/file-${i}.js`, as: 'script', type: 'text/javascript', size: 10, etag: `"e${i}"` }));
    const lines: string[] = [];
    const c = new CacheDigestCore({ pages: { '/index.html': many }, mode: 'hints', log: (line) => lines.push(line) });
    const plan = c.plan(request(), c.pageAssets('/')!);
    c.record(request(), plan, { pushed: many, skipped: [] }, 200);
    expect(lines).toEqual(['cache-digest: GET / 200 | mode=hints; digest=0; pushed=500; skipped=0; bytes=5000']);
  });

  it('drops manifest assets that are not same-origin paths', () => {
    const c = new CacheDigestCore({
      pages: { '/index.html': [...assets, { url: 'https://evil.test/x.js', as: 'script', type: 'text/javascript', size: 1, etag: '"x"' }, { url: '//evil.test/y.js', as: 'script', type: 'text/javascript', size: 1, etag: '"y"' }] },
      log: false,
    });
    expect(c.pageAssets('/')!.map((a) => a.url)).not.toContain('https://evil.test/x.js');
    expect(c.pageAssets('/')).toHaveLength(5);
  });
});

describe('core helpers', () => {
  it('chooseMode: auto prefers push, then stream, then hints; forced modes fall back to hints', () => {
    const m = (configured: Parameters<typeof chooseMode>[0], method: string, pushEnabled: boolean, acceptsPushStream: boolean) =>
      chooseMode(configured, { method, pushEnabled, acceptsPushStream });
    expect(m('auto', 'GET', true, true)).toBe('push');
    expect(m('auto', 'GET', false, true)).toBe('stream');
    expect(m('auto', 'GET', false, false)).toBe('hints');
    expect(m('auto', 'HEAD', true, true)).toBe('hints');
    expect(m('push', 'GET', false, true)).toBe('hints');
    expect(m('stream', 'GET', true, false)).toBe('hints');
    expect(m('stream', 'GET', true, true)).toBe('stream');
    expect(m('links', 'GET', true, true)).toBe('links');
    expect(m('off', 'GET', true, true)).toBe('off');
  });

  it('formats and parses the summary header', () => {
    const summary = { mode: 'stream' as const, digest: 12, pushed: 3, skipped: 2, bytes: 4096 };
    expect(formatSummaryHeader(summary)).toBe('mode=stream; digest=12; pushed=3; skipped=2; bytes=4096');
    expect(parseSummaryHeader(formatSummaryHeader(summary))).toEqual(summary);
    expect(parseSummaryHeader('mode=links; digest=1; pushed=0; skipped=0; bytes=0')).toBeNull();
  });

  it('makePrivate and mergeVary', () => {
    expect(makePrivate(undefined)).toBe('private');
    expect(makePrivate('public, max-age=60, s-maxage=600')).toBe('private, max-age=60');
    expect(makePrivate('no-store')).toBe('no-store');
    expect(makePrivate('private, no-cache')).toBe('private, no-cache');
    expect(mergeVary('Accept-Encoding', ['cache-digest', 'accept-encoding'])).toBe('Accept-Encoding, cache-digest');
    expect(mergeVary('*', ['cache-digest'])).toBe('*');
  });

  it('preloadLink and orderAssets keep dependency order within a kind', () => {
    expect(preloadLink(assets[2]!, { nopush: true })).toBe('</font.woff2>; rel=preload; as=font; crossorigin; nopush');
    const scripts: PageAsset[] = ['/c.js', '/a.js', '/b.js'].map((url) => ({ url, as: 'script', type: 'text/javascript', size: 1, etag: '"e"' }));
    expect(orderAssets([...scripts, assets[3]!]).map((a) => a.url)).toEqual(['/app.css', '/c.js', '/a.js', '/b.js']);
  });
});
