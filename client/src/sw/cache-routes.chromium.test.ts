// Cache routes (cache-routes.ts) in a real Chromium: the browser answers routed URLs from the worker's
// cache without a fetch event, so a page answered by a push stream must reach the browser only once
// its routed parts are stored, or its requests would miss the cache and cross the network.
import { PushStreamWriter, PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCraftedServer, type CraftedServer } from '../../test-support/crafted-server.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { waitForController } from '../../test-support/page-helpers.ts';
import { SOURCE_TIMING_METRIC } from './mark-source.ts';
import { navigationRequestSignals } from './preload-header-value.ts';

const ASSETS: Record<string, { type: string; body: string }> = {
  '/assets/a.css': { type: 'text/css', body: 'h1{color:rgb(7, 8, 9)}' },
  '/assets/b.js': { type: 'text/javascript', body: "window.bLoaded = 'b';" },
  '/c.js': { type: 'text/javascript', body: "window.cLoaded = 'c';" },
};
const PAGE = '<!doctype html><link rel=stylesheet href=/assets/a.css><script src=/assets/b.js></script><script src=/c.js></script><h1 id=t>page</h1>';
const INSTALL_PAGE = '<!doctype html><script src="/cache-digest.js" async></script><h1>install</h1>';
/** The asset parts follow the page part by this much: a page let through at once would ask before they are stored. */
const ASSETS_DELAY_MS = 400;
const encode = (text: string) => new TextEncoder().encode(text);
const assetHeaders = (path: string) => ({
  'content-type': ASSETS[path]!.type,
  'content-length': String(encode(ASSETS[path]!.body).length),
  'cache-control': 'public, max-age=31536000, immutable',
  etag: `"${path.slice(1)}-1"`,
});

/**
 * How each same-origin resource of the page was answered: the static router's final source
 * (`cache`, or empty when no route matched) and the worker's mark (stored with the copy, or added by its fetch handler).
 */
const routerSources = `(() => Object.fromEntries(performance.getEntriesByType('resource')
  .filter((entry) => new URL(entry.name).origin === location.origin)
  .map((entry) => [new URL(entry.name).pathname, entry.workerFinalSourceType + '/' + (entry.serverTiming.find((timing) => timing.name === '${SOURCE_TIMING_METRIC}')?.description ?? '')])))()`;

describe('cache routes (Chromium)', () => {
  let browser: LaunchedChromium;
  let server: CraftedServer;

  beforeAll(async () => {
    server = await startCraftedServer(
      (request, response) => {
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
        if (path === '/assets/late.js') {
          response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
          response.end('// from the network');
          return true;
        }
        if (path !== '/' || navigationRequestSignals(request.headers).acceptPushStream !== '1') return false;
        const writer = new PushStreamWriter();
        response.writeHead(200, { 'content-type': PUSH_STREAM_CONTENT_TYPE, 'push-stream-urls': Object.keys(ASSETS).join(', '), 'cache-control': 'private, no-store' });
        // A page ready at once: its part comes first, whole, and the assets after it.
        response.write(writer.head(0, { url: '/', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' }));
        response.write(writer.data(0, encode(PAGE)));
        response.write(writer.end(0));
        setTimeout(() => {
          Object.keys(ASSETS).forEach((url, index) => {
            response.write(writer.head(index + 1, { url, status: 200, headers: assetHeaders(url), role: 'asset' }));
            response.write(writer.data(index + 1, encode(ASSETS[url]!.body)));
            response.write(writer.end(index + 1));
          });
          response.end(writer.fin());
        }, ASSETS_DELAY_MS);
        return true;
      },
      { cacheRoutes: ['/assets/*.js', '/assets/*.css', '/bad/:name.js'] },
    );
    browser = await launchChromium({ spki: [server.spki] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('routed parts are stored before the page goes on; the browser then takes them from the cache, the rest from the worker', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/install`);
    await waitForController(page);
    const before = server.requests.length;
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => (window as { bLoaded?: string; cLoaded?: string }).bLoaded === 'b' && (window as { cLoaded?: string }).cLoaded === 'c');
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('t')!).color)).toBe('rgb(7, 8, 9)');
    // Every asset came in the stream: had the page gone ahead of its routed parts, they would have been requested.
    expect(server.requests.slice(before).filter((request) => request.path in ASSETS)).toEqual([]);
    expect(await page.evaluate(routerSources)).toMatchObject({ '/assets/a.css': 'cache/cache', '/assets/b.js': 'cache/cache', '/c.js': '/stream' });

    // A routed URL the cache lacks goes to the network and is answered from there.
    const late = await page.evaluate(async () => (await fetch('/assets/late.js')).text());
    expect(late).toBe('// from the network');
    expect(server.requests.slice(before).map((request) => request.path)).toContain('/assets/late.js');
    await page.close();
  });
});
