// A push stream's parts answer the page's requests from the worker's memory even after they
// were written to Cache Storage (reading them back would cost the page a Cache Storage read
// queued behind the stream's writes); once the page is quiet they are released and served
// from the cache like any entry. Parts that arrive once the page is loading are stored only
// after its burst of requests: storing costs the worker's thread, and the browser's, the page's time.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CraftedServer } from '../../test-support/crafted-server.ts';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedUrls, eventually, waitForController } from '../../test-support/page-helpers.ts';
import { startStreamSite } from '../../test-support/stream-site.ts';
import { SOURCE_TIMING_METRIC } from './mark-source.ts';

const ASSETS = {
  '/a.css': { type: 'text/css', body: 'h1{color:rgb(4, 5, 6)}' },
  '/b.js': { type: 'text/javascript', body: "window.bLoaded = 'b';" },
};
const PAGE = '<!doctype html><link rel=stylesheet href=/a.css><script src=/b.js></script><h1 id=t>slow page</h1>';
/** How long the page part follows the asset parts: the parts are in Cache Storage well before the page asks. */
const PAGE_DELAY_MS = 600;

/** Where the worker says each same-origin asset of the page came from (its Server-Timing mark), by path. */
const sources = `(() => Object.fromEntries(performance.getEntriesByType('resource')
  .map((entry) => [new URL(entry.name).pathname, entry.serverTiming.find((timing) => timing.name === '${SOURCE_TIMING_METRIC}')?.description])))()`;

/**
 * Installs the worker, then visits `/` and waits until the page rendered with both assets; `before`
 * counts the server's requests before that visit.
 */
async function visitRendered(browser: LaunchedChromium, server: CraftedServer): Promise<{ page: Page; before: number }> {
  const page = await browser.context.newPage();
  await page.goto(`${server.origin}/install`);
  await waitForController(page);
  const before = server.requests.length;
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => (window as { bLoaded?: string }).bLoaded === 'b');
  expect(await page.evaluate(() => getComputedStyle(document.getElementById('t')!).color)).toBe('rgb(4, 5, 6)');
  return { page, before };
}

describe('push-stream parts while the page loads (Chromium)', () => {
  let browser: LaunchedChromium;
  let server: CraftedServer;

  beforeAll(async () => {
    // A page that takes a while to build: its part comes last.
    server = await startStreamSite({ assets: ASSETS, page: PAGE, cacheControl: 'max-age=600', first: 'assets', delayMs: PAGE_DELAY_MS });
    browser = await launchChromium({ spki: [server.spki] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the page gets the parts from memory though they are stored; once it is quiet, from the cache', async () => {
    const { page, before } = await visitRendered(browser, server);
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

describe('push-stream parts that follow the page (Chromium)', () => {
  let browser: LaunchedChromium;
  let server: CraftedServer;
  /** The page asks for a small resource every 20 ms for this long: a page still loading. */
  const BUSY_MS = 2_500;
  // The requests come from a dedicated worker of the page (controlled like the page), so that the page's own
  // parsing and rendering do not space them out; its timestamps go to `ticks`. It starts before the parser
  // meets /b.js, which waits for its part.
  const TICKER = `let n = 0; const tick = setInterval(() => { postMessage(performance.timeOrigin + performance.now()); fetch(origin + '/tick?' + n++); }, 20);
    setTimeout(() => { clearInterval(tick); postMessage('done'); }, ${BUSY_MS});`;
  const BUSY_PAGE = `<!doctype html><script>window.ticking = true; window.ticks = [];
    const ticker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(TICKER)}], { type: 'text/javascript' })));
    ticker.onmessage = ({ data }) => (data === 'done' ? (window.ticking = false) : ticks.push(data - performance.timeOrigin));</script>
    <link rel=stylesheet href=/a.css><script src=/b.js></script><h1 id=t>page first</h1>`;

  beforeAll(async () => {
    server = await startStreamSite({
      assets: ASSETS,
      page: BUSY_PAGE,
      cacheControl: 'max-age=600',
      first: 'page',
      delayMs: 300,
      extra: (request, response) => {
        if (!request.url.startsWith('/tick')) return false;
        response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
        response.end('tick');
        return true;
      },
    });
    browser = await launchChromium({ spki: [server.spki] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('are served from memory at once, and stored only once the page has stopped asking', async () => {
    const { page, before } = await visitRendered(browser, server);
    expect(await page.evaluate(sources)).toMatchObject({ '/a.css': 'stream', '/b.js': 'stream' });
    // Well after the parts arrived (a write takes tens of ms), while the page still asks: not stored yet
    // (at most 2 s after a part, the write goes ahead whatever the page does).
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as { ticking?: boolean }).ticking)).toBe(true);
    // The write waits while the page's requests are less than 100 ms apart. A machine so loaded that the
    // ticker's 20 ms timer fired later than that (the page was quiet, as the worker saw it) proves nothing here.
    const stored = await cachedUrls(page);
    const longestGap = await page.evaluate(() => {
      // From a little before /b.js's part reached the page (its write may start as it reaches the worker).
      const from = (performance.getEntriesByName(new URL('/b.js', location.href).href)[0] as PerformanceResourceTiming).responseEnd - 50;
      const ticks = (window as unknown as { ticks: number[] }).ticks;
      return Math.max(...ticks.slice(1).map((at, index) => (at > from ? at - ticks[index]! : 0)));
    });
    if (longestGap < 80) expect(stored).toEqual([]);
    else console.warn(`stream-parts-in-memory: the page's requests were up to ${Math.round(longestGap)} ms apart (a busy machine): not checking that the parts wait`);
    // The page stops: both parts are stored, none was fetched on its own.
    await page.waitForFunction(() => (window as { ticking?: boolean }).ticking === false);
    await eventually(async () => (await cachedUrls(page)).length === 2, 5_000);
    expect(await cachedUrls(page)).toEqual(Object.keys(ASSETS).map((path) => server.origin + path).sort());
    expect(server.requests.slice(before).filter((request) => request.path in ASSETS)).toEqual([]);
    await page.close();
  });
});
