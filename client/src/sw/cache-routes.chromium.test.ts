// Cache routes (cache-routes.ts) in a real Chromium: the browser answers routed URLs from the worker's
// cache without a fetch event, so a page answered by a push stream must reach the browser only once
// its routed parts are stored, or its requests would miss the cache and cross the network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CraftedServer } from '../../test-support/crafted-server.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { waitForController } from '../../test-support/page-helpers.ts';
import { startStreamSite } from '../../test-support/stream-site.ts';
import { SOURCE_TIMING_METRIC } from './mark-source.ts';

const ASSETS = {
  '/assets/a.css': { type: 'text/css', body: 'h1{color:rgb(7, 8, 9)}' },
  '/assets/b.js': { type: 'text/javascript', body: "window.bLoaded = 'b';" },
  '/c.js': { type: 'text/javascript', body: "window.cLoaded = 'c';" },
};
const PAGE = '<!doctype html><link rel=stylesheet href=/assets/a.css><script src=/assets/b.js></script><script src=/c.js></script><h1 id=t>page</h1>';
/** The asset parts follow the page part by this much: a page let through at once would ask before they are stored. */
const ASSETS_DELAY_MS = 400;

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
    server = await startStreamSite({
      assets: ASSETS,
      page: PAGE,
      cacheControl: 'public, max-age=31536000, immutable',
      // A page ready at once: its part comes first, whole, and the assets after it.
      first: 'page',
      delayMs: ASSETS_DELAY_MS,
      workerOptions: { cacheRoutes: ['/assets/*.js', '/assets/*.css', '/bad/:name.js'] },
      extra: (request, response) => {
        if (request.url !== '/assets/late.js') return false;
        response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
        response.end('// from the network');
        return true;
      },
    });
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
