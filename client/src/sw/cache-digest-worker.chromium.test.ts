// The worker in real Chromium against a crafted HTTP/2 server on loopback
// that writes exact push streams, broken ones included.
import http2 from 'node:http2';
import { crc32, parseCacheDigestHeader, PushStreamWriter, PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Raw frames: what PushStreamWriter refuses to write (a part for another origin).
import { rawFrame } from '../../../shared/src/push-stream/test-support/raw-frame.ts';
import { startCraftedServer, type CraftedServer } from '../../test-support/crafted-server.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedText, cachedUrls, eventually, waitForController } from '../../test-support/page-helpers.ts';
import { navigationRequestSignals } from './preload-header-value.ts';

const ASSETS: Record<string, { type: string; body: string }> = {
  '/a.css': { type: 'text/css', body: 'h1{color:rgb(1, 2, 3)}' },
  '/b.js': { type: 'text/javascript', body: "window.bLoaded = 'good-b';" },
  '/c.js': { type: 'text/javascript', body: "window.cLoaded = 'good-c';" },
  '/ping.gif': { type: 'image/gif', body: 'GIF89a' },
};
/** Called when /ping.gif is requested (the page part has reached the browser). */
let onPing: (() => void) | undefined;
// /ping.gif is not in the stream: its request reaching the server proves the page part arrived.
const PAGE = '<!doctype html><link rel=stylesheet href=/a.css><img src=/ping.gif><script src=/b.js></script><script src=/c.js></script><h1 id=t>streamed</h1>';
const INSTALL_PAGE = '<!doctype html><script src="/cache-digest.js" async></script><h1>install</h1>';
const encode = (text: string) => new TextEncoder().encode(text);

function endPayload(body: Uint8Array): Uint8Array {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setUint32(0, body.length);
  new DataView(payload.buffer).setUint32(4, crc32(body));
  return payload;
}
const assetHeaders = (path: string) => ({
  'content-type': ASSETS[path]!.type,
  'content-length': String(encode(ASSETS[path]!.body).length),
  'cache-control': 'max-age=600',
  etag: `"${path.slice(1)}-1"`,
});

function serveAsset(path: string, response: http2.Http2ServerResponse): boolean {
  if (path === '/ping.gif') setTimeout(() => onPing?.(), 0);
  const asset = ASSETS[path];
  if (!asset) return false;
  response.writeHead(200, assetHeaders(path));
  response.end(asset.body);
  return true;
}

describe('cache-digest worker in Chromium (crafted streams)', () => {
  let browser: LaunchedChromium;
  let server: CraftedServer;
  let streamsWritten = 0;

  beforeAll(async () => {
    server = await startCraftedServer((request, response) => {
      const path = request.url;
      if (path === '/install') {
        response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
        response.end(INSTALL_PAGE);
        return;
      }
      if (path !== '/') return serveAsset(path, response);
      // The worker's navigations arrive as navigation preloads, the headers folded into Service-Worker-Navigation-Preload.
      if (navigationRequestSignals(request.headers).acceptPushStream !== '1') {
        response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
        response.end(PAGE);
        return;
      }
      const writer = new PushStreamWriter();
      const writePage = () => {
        response.write(writer.head(0, { url: '/', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' }));
        response.write(writer.data(0, encode(PAGE)));
        response.write(writer.end(0));
      };
      if (streamsWritten > 0) {
        // Later visits: a stream with the page only (the client holds the assets).
        response.writeHead(200, { 'content-type': PUSH_STREAM_CONTENT_TYPE, 'push-stream-urls': '', 'cache-control': 'private, no-store' });
        writePage();
        response.end(writer.fin());
        return;
      }
      streamsWritten++;
      response.writeHead(200, {
        'content-type': PUSH_STREAM_CONTENT_TYPE,
        'push-stream-urls': '/a.css, /b.js, /c.js',
        'cache-control': 'private, no-store',
      });
      // A good part.
      response.write(writer.head(1, { url: '/a.css', status: 200, headers: assetHeaders('/a.css'), role: 'asset' }));
      response.write(writer.data(1, encode(ASSETS['/a.css']!.body)));
      response.write(writer.end(1));
      // Parts for another origin (absolute and protocol-relative), with bodies: must be ignored.
      for (const [part, url] of [[2, 'https://evil.example/c.js'], [3, '//evil.example/c.js']] as const) {
        const evil = encode("window.cLoaded = 'evil';");
        response.write(rawFrame(0x01, part, encode(JSON.stringify({ url, status: 200, headers: { 'cache-control': 'max-age=600' }, role: 'asset' }))));
        response.write(rawFrame(0x02, part, evil));
        response.write(rawFrame(0x03, part, endPayload(evil)));
      }
      // A corrupt part: one byte changed after the CRC was computed.
      response.write(writer.head(4, { url: '/c.js', status: 200, headers: assetHeaders('/c.js'), role: 'asset' }));
      const corrupt = writer.data(4, encode(ASSETS['/c.js']!.body)).slice();
      corrupt[corrupt.length - 3] ^= 0x20;
      response.write(corrupt);
      response.write(writer.end(4));
      writePage();
      // A truncated part: half its body; the stream dies once the page is known to be in the browser.
      response.write(writer.head(5, { url: '/b.js', status: 200, headers: assetHeaders('/b.js'), role: 'asset' }));
      response.write(writer.data(5, encode(ASSETS['/b.js']!.body.slice(0, 10))));
      onPing = () => {
        onPing = undefined;
        response.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      };
    });
    browser = await launchChromium({ spki: [server.spki] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('first visit installs the worker', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/install`);
    await waitForController(page);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${server.origin}/cache-digest-sw.js`);
    await page.close();
  });

  it('truncated, corrupt and foreign parts are never cached or served; the page loads from the network fallback', async () => {
    const page = await browser.context.newPage();
    const before = server.requests.length;
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => (window as { bLoaded?: string }).bLoaded && (window as { cLoaded?: string }).cLoaded);
    expect(await page.evaluate(() => [(window as { bLoaded?: string }).bLoaded, (window as { cLoaded?: string }).cLoaded])).toEqual(['good-b', 'good-c']);
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('t')!).color)).toBe('rgb(1, 2, 3)');

    const seen = server.requests.slice(before);
    const navigation = seen.find((request) => request.path === '/')!;
    expect(navigationRequestSignals(navigation.headers)).toEqual({ acceptPushStream: '1', cacheDigest: 'AcA; complete' }); // nothing cached yet
    // The good part was used; the truncated and the corrupt one came from the network instead.
    // (The browser may ask for /favicon.ico on its own.)
    expect(seen.map((request) => request.path).filter((path) => path !== '/' && path !== '/favicon.ico').sort()).toEqual(['/b.js', '/c.js', '/ping.gif']);

    await expect.poll(() => cachedUrls(page), { timeout: 20_000 }).toEqual(Object.keys(ASSETS).map((path) => server.origin + path).sort());
    for (const path of Object.keys(ASSETS)) expect(await cachedText(page, `${server.origin}${path}`)).toBe(ASSETS[path]!.body);
    await page.close();
  });

  it('the next navigation sends a digest holding exactly the cached URLs, and no asset crosses the network', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/install`);
    // The navigation carries the digests the worker last published to navigation preload (shortly after each change).
    await eventually(async () => {
      const { headerValue } = await page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState());
      const digest = navigationRequestSignals({ 'service-worker-navigation-preload': headerValue }).cacheDigest;
      return digest !== undefined && parseCacheDigestHeader(digest)[0]?.digest.size === Object.keys(ASSETS).length;
    });
    const before = server.requests.length;
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => (window as { cLoaded?: string }).cLoaded === 'good-c');
    const seen = server.requests.slice(before);
    expect(seen.map((request) => request.path).filter((path) => path !== '/favicon.ico')).toEqual(['/']);
    const [fresh, ...others] = parseCacheDigestHeader(navigationRequestSignals(seen.find((request) => request.path === '/')!.headers).cacheDigest);
    expect(others).toEqual([]);
    expect(fresh).toMatchObject({ complete: true, stale: false });
    expect(fresh!.digest.size).toBe(Object.keys(ASSETS).length);
    for (const path of Object.keys(ASSETS)) expect(fresh!.digest.has(`${server.origin}${path}`)).toBe(true);
    await page.close();
  });
});

describe('cache-digest worker in Chromium (server dies mid-stream)', () => {
  let browser: LaunchedChromium;
  let server: CraftedServer;

  beforeAll(async () => {
    server = await startCraftedServer((request, response) => {
      if (request.url === '/install') {
        response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
        response.end(INSTALL_PAGE);
        return;
      }
      if (request.url !== '/') return serveAsset(request.url, response);
      const writer = new PushStreamWriter();
      response.writeHead(200, { 'content-type': PUSH_STREAM_CONTENT_TYPE, 'push-stream-urls': '/b.js', 'cache-control': 'private, no-store' });
      response.write(writer.head(0, { url: '/', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' }));
      response.write(writer.data(0, encode('<!doctype html><h1 id=t>still here</h1><img src=/ping.gif><script src=/b.js></script><p id=after>after</p>')));
      response.write(writer.end(0));
      response.write(writer.head(1, { url: '/b.js', status: 200, headers: assetHeaders('/b.js'), role: 'asset' }));
      response.write(writer.data(1, encode(ASSETS['/b.js']!.body.slice(0, 5))));
      // The whole server dies once the page part is known to be in the browser.
      onPing = () => {
        onPing = undefined;
        server.kill();
      };
    });
    browser = await launchChromium({ spki: [server.spki] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the page still loads and nothing partial is cached', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/install`);
    await waitForController(page);
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => document.readyState === 'complete', undefined, { timeout: 30_000 });
    expect(await page.textContent('#t')).toBe('still here');
    expect(await page.textContent('#after')).toBe('after');
    expect(await page.evaluate(() => (window as { bLoaded?: string }).bLoaded ?? null)).toBeNull();
    expect((await cachedUrls(page)).filter((url) => url.endsWith('/b.js'))).toEqual([]);
    await page.close();
  });
});
