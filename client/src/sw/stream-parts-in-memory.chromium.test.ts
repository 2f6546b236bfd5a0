// A push stream's parts answer the page's requests from the worker's memory even after they
// were written to Cache Storage (reading them back would cost the page a Cache Storage read
// queued behind the stream's writes); once the page is quiet they are released and served
// from the cache like any entry.
import { PushStreamWriter, PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCraftedServer, type CraftedServer } from '../../test-support/crafted-server.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedUrls, waitForController } from '../../test-support/page-helpers.ts';
import { SOURCE_TIMING_METRIC } from './mark-source.ts';
import { navigationRequestSignals } from './preload-header-value.ts';

const ASSETS: Record<string, { type: string; body: string }> = {
  '/a.css': { type: 'text/css', body: 'h1{color:rgb(4, 5, 6)}' },
  '/b.js': { type: 'text/javascript', body: "window.bLoaded = 'b';" },
};
const PAGE = '<!doctype html><link rel=stylesheet href=/a.css><script src=/b.js></script><h1 id=t>slow page</h1>';
const INSTALL_PAGE = '<!doctype html><script src="/cache-digest.js" async></script><h1>install</h1>';
/** How long the page part follows the asset parts: the parts are in Cache Storage well before the page asks. */
const PAGE_DELAY_MS = 600;
const encode = (text: string) => new TextEncoder().encode(text);
const assetHeaders = (path: string) => ({
  'content-type': ASSETS[path]!.type,
  'content-length': String(encode(ASSETS[path]!.body).length),
  'cache-control': 'max-age=600',
  etag: `"${path.slice(1)}-1"`,
});

/** Where the worker says each same-origin asset of the page came from (its Server-Timing mark), by path. */
const sources = `(() => Object.fromEntries(performance.getEntriesByType('resource')
  .map((entry) => [new URL(entry.name).pathname, entry.serverTiming.find((timing) => timing.name === '${SOURCE_TIMING_METRIC}')?.description])))()`;

describe('push-stream parts while the page loads (Chromium)', () => {
  let browser: LaunchedChromium;
  let server: CraftedServer;

  beforeAll(async () => {
    server = await startCraftedServer((request, response) => {
      const path = request.url;
      if (path === '/install') {
        response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
        response.end(INSTALL_PAGE);
        return true;
      }
      const asset = ASSETS[path];
      if (asset) {
        response.writeHead(200, assetHeaders(path));
        response.end(asset.body);
        return true;
      }
      if (path !== '/' || navigationRequestSignals(request.headers).acceptPushStream !== '1') return false;
      const writer = new PushStreamWriter();
      response.writeHead(200, { 'content-type': PUSH_STREAM_CONTENT_TYPE, 'push-stream-urls': Object.keys(ASSETS).join(', '), 'cache-control': 'private, no-store' });
      Object.keys(ASSETS).forEach((url, index) => {
        response.write(writer.head(index + 1, { url, status: 200, headers: assetHeaders(url), role: 'asset' }));
        response.write(writer.data(index + 1, encode(ASSETS[url]!.body)));
        response.write(writer.end(index + 1));
      });
      // A page that takes a while to build: its part comes last.
      setTimeout(() => {
        response.write(writer.head(0, { url: '/', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' }));
        response.write(writer.data(0, encode(PAGE)));
        response.write(writer.end(0));
        response.end(writer.fin());
      }, PAGE_DELAY_MS);
      return true;
    });
    browser = await launchChromium({ spki: [server.spki] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the page gets the parts from memory though they are stored; once it is quiet, from the cache', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/install`);
    await waitForController(page);
    const before = server.requests.length;
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => (window as { bLoaded?: string }).bLoaded === 'b');
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('t')!).color)).toBe('rgb(4, 5, 6)');
    // Both assets came in the page's stream: neither was requested.
    const assetRequests = () => server.requests.slice(before).filter((request) => request.path in ASSETS);
    expect(assetRequests()).toEqual([]);
    expect(await cachedUrls(page)).toEqual(Object.keys(ASSETS).map((path) => server.origin + path).sort());
    expect(await page.evaluate(sources)).toMatchObject({ '/a.css': 'stream', '/b.js': 'stream' });

    // After a second without requests the page is quiet: the parts leave memory, the cache answers.
    await page.waitForTimeout(1_500);
    const again = await page.evaluate(async () => {
      const response = await fetch('/b.js');
      return { text: await response.text(), timing: response.headers.get('server-timing') };
    });
    expect(again.text).toBe(ASSETS['/b.js']!.body);
    expect(again.timing).toContain(`${SOURCE_TIMING_METRIC};desc=cache`);
    expect(assetRequests()).toEqual([]);
    await page.close();
  });
});
