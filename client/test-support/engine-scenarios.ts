// The behaviours that matter, run alike in Chromium, Firefox and WebKit: the
// worker registers, navigations carry the digests, a push stream is unpacked,
// a visitor returning after the worker went idle fetches no asset, and a
// stream that ends early or a server that dies mid-stream still leaves a
// rendered page where the engine allows it. Real browsers, the project's own
// server on loopback; requests are counted on the server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PushStreamWriter, PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';
import { startDelayProxy, type DelayProxy } from '../../playwright/src/delay-proxy.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { navigationRequestSignals } from '../src/sw/preload-header-value.ts';
import { buildFixtureSite } from './build-fixture-site.ts';
import { startCraftedServer, type CraftedServer } from './crafted-server.ts';
import type { EngineDriver } from './engine-driver.ts';
import { eventually } from './page-helpers.ts';
import { startRecordingSiteServer, type RecordedRequest, type RecordingSiteServer } from './recording-site-server.ts';

/** What an engine is known to do beyond the ideal (kept true by these tests, and stated in README's browser table). */
export interface EngineExpectations {
  /**
   * WebKit's cold start (preload-unusable.ts): on the first cold start its
   * preload body is a plain page, so that one visit costs up to three page
   * requests while the worker learns to turn preload off (once per browser
   * build). WebKit sends a navigation that wakes a stopped worker to the
   * network itself, even with preload off; on every later cold start the
   * worker takes that load: one page request, without the digests.
   */
  preloadQuirk: boolean;
  /** Whether the page part already received still renders when the server dies mid-stream (it needs a streamed preload body). */
  pageSurvivesServerDeath: boolean;
}

const CACHED_URLS = `(async () => {
  const urls = [];
  for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  return urls;
})()`;
const STATUS = `document.getElementById('status')?.textContent ?? ''`;
const hasPreloadHeader = (headers: import('node:http2').IncomingHttpHeaders) => headers['service-worker-navigation-preload'] !== undefined;
/** Navigation preload still on, and no quirk flag cached (preload-unusable.ts). */
const PRELOAD_STILL_ON = `(async () => (await (await navigator.serviceWorker.ready).navigationPreload.getState()).enabled && !(await caches.keys()).some((name) => name.endsWith(':navigation-preload-unusable')))()`;
const hasDigest = (request: RecordedRequest) => navigationRequestSignals(request.headers).cacheDigest !== undefined;

/** Returning visits in the idle test: 3 by default (WebKit's quirk needs a cold start after the one it is learnt on); `RETURN_VISITS=10` prints per-visit figures. */
const RETURN_VISITS = Number(process.env.RETURN_VISITS ?? 3);

/**
 * With `RTT_MS` the site is reached through the round-trip emulator (the delay proxy of @cache-digest/playwright), whose
 * connections are dropped before each returning visit, and each visit's load time is printed.
 */
const RTT_MS = process.env.RTT_MS === undefined ? undefined : Number(process.env.RTT_MS);

/** Defines the cross-engine suite for the browser `launch` starts (given the server's certificate SPKI). */
export function describeEngine(launch: (spki: string) => Promise<EngineDriver>, expectations: EngineExpectations): void {
  let engine: EngineDriver;
  let dir: string;
  let server: RecordingSiteServer;
  let crafted: CraftedServer | undefined;
  let proxy: DelayProxy | undefined;
  let origin: string;
  const pageAssets = (page: string) => server.manifest.pages[page]!.map((asset) => asset.url);

  /** Navigates to `pathName`, waits for the page's script, and returns the requests the server saw meanwhile. */
  const visit = async (pathName: string, ready: string) => {
    const before = server.requests.length;
    await engine.goto(origin + pathName);
    await eventually(async () => (await engine.evaluate<string>(STATUS)) === ready);
    const seen = server.requests.slice(before);
    return { pages: seen.filter((request) => request.path === pathName), paths: seen.map((request) => request.path) };
  };
  const cachedPaths = async () => (await engine.evaluate<string[]>(CACHED_URLS)).map((url) => new URL(url).pathname);

  describe('cache-digest worker', () => {
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'cache-digest-engine-site-'));
      await buildFixtureSite(dir);
      server = await startRecordingSiteServer(dir);
      origin = server.origin;
      if (RTT_MS !== undefined) {
        proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: Number(new URL(server.origin).port), rttMs: RTT_MS, host: '127.0.0.1', port: 0 });
        origin = `https://127.0.0.1:${proxy.port}`;
      }
      engine = await launch(server.spki);
    }, 120_000);

    afterAll(async () => {
      await engine?.close();
      await proxy?.close();
      await server?.close();
      await crafted?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('first visit: the worker registers and caches the page assets', async () => {
      await visit('/', 'ready: home');
      await eventually(() => engine.evaluate<boolean>('navigator.serviceWorker.controller !== null'));
      await expect.poll(cachedPaths, { timeout: 30_000 }).toEqual(expect.arrayContaining(pageAssets('/index.html')));
    }, 60_000);

    it('navigations carry the digests; the assets a page lacks arrive in its push stream', async () => {
      const home = await visit('/', 'ready: home');
      expect(home.pages).toHaveLength(1);
      expect(hasDigest(home.pages[0]!)).toBe(true);
      expect(home.paths.filter((p) => pageAssets('/index.html').includes(p))).toEqual([]);

      const missing = pageAssets('/about/index.html').filter((asset) => !pageAssets('/index.html').includes(asset));
      expect(missing.length).toBeGreaterThan(0);
      const about = await visit('/about/', 'ready: about');
      expect(about.pages).toHaveLength(1);
      expect(hasDigest(about.pages[0]!)).toBe(true);
      // Unpacked from the stream: cached, and never requested on their own.
      expect(about.paths.filter((p) => missing.includes(p))).toEqual([]);
      await expect.poll(cachedPaths, { timeout: 20_000 }).toEqual(expect.arrayContaining(missing));
      // The page can tell they came through the worker (the demo's report reads this): its Server-Timing mark.
      const marks = await engine.evaluate<Record<string, string>>(
        `Object.fromEntries(performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname, e.serverTiming.find((t) => t.name === 'cache-digest-source')?.description ?? '']))`,
      );
      for (const asset of missing) expect(['cache', 'stream']).toContain(marks[asset]);
    });

    it(`returning after the worker went idle: no asset over the network, one page request per visit`, async () => {
      const assets = new Set(pageAssets('/index.html'));
      let learningVisits = 0;
      let coldWithoutDigests = 0;
      for (let round = 0; round < RETURN_VISITS; round++) {
        await engine.goIdle();
        proxy?.dropConnections();
        const { pages, paths } = await visit('/', 'ready: home');
        const loadMs = await engine.evaluate<number>(`(() => { const n = performance.getEntriesByType('navigation')[0]; return Math.round(n.loadEventStart - n.startTime); })()`);
        if (process.env.RETURN_VISITS) console.log(`${engine.name} return ${round + 1}: load ${loadMs} ms${RTT_MS === undefined ? '' : ` at RTT ${RTT_MS} ms`}, page requests ${pages.length} (${pages.filter(hasDigest).length} with digests), assets ${paths.filter((p) => assets.has(p)).length}`);
        expect(paths.filter((p) => assets.has(p))).toEqual([]);
        if (expectations.preloadQuirk && pages.length > 1 && hasPreloadHeader(pages[0]!.headers)) {
          // The visit that learns the quirk: the preload (with the digests), WebKit's reload of its body, and the
          // worker's own request with the digests, which the page comes from. Once per browser build.
          learningVisits++;
          expect(pages.length).toBeLessThanOrEqual(3);
          expect(hasDigest(pages[0]!)).toBe(true);
          expect(hasDigest(pages.at(-1)!)).toBe(true);
          continue;
        }
        expect(pages).toHaveLength(1);
        if (hasDigest(pages[0]!)) continue;
        // Only WebKit's cold start goes without the digests: the load WebKit sent itself, taken by the worker.
        expect(expectations.preloadQuirk).toBe(true);
        coldWithoutDigests++;
      }
      expect(learningVisits).toBeLessThanOrEqual(1);
      // On loopback WebKit really went cold after learning the quirk: preload stayed off (the flag was read back) and
      // one request sufficed. Through the emulator (RTT_MS) its preload body arrives intact and the quirk may never show.
      if (expectations.preloadQuirk && RTT_MS === undefined) expect(coldWithoutDigests).toBeGreaterThanOrEqual(1);
    }, 60_000 + RETURN_VISITS * 30_000);

    it('faults: a stream that ends early renders the page and caches nothing cut off; a server dying mid-stream as the engine allows', async () => {
      const encode = (text: string) => new TextEncoder().encode(text);
      let killTimer: ReturnType<typeof setTimeout> | undefined;
      let corruptViaPreload = 0;
      let pageBodyViaPreload = 0;
      const writeStream = (response: import('node:http2').Http2ServerResponse, asset: string, page: string) => {
        const writer = new PushStreamWriter();
        response.writeHead(200, { 'content-type': PUSH_STREAM_CONTENT_TYPE, 'push-stream-urls': asset, 'cache-control': 'private, no-store' });
        response.write(writer.head(0, { url: '/', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' }));
        response.write(writer.data(0, encode(page)));
        response.write(writer.end(0));
        response.write(writer.head(1, { url: asset, status: 200, headers: { 'content-type': 'text/javascript', 'cache-control': 'max-age=600' }, role: 'asset' }));
        response.write(writer.data(1, encode('window.cut')));
      };
      crafted = await startCraftedServer((request, response) => {
        if (request.url === '/install') {
          response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
          response.end('<!doctype html><script src="/cache-digest.js" async></script><h1>install</h1>');
        } else if (request.url === '/ends-early') {
          // No FIN, the asset part cut off: the response just ends.
          writeStream(response, '/early.js', '<!doctype html><h1 id=t>ended early</h1><p id=after>after</p>');
          response.end();
        } else if (request.url === '/corrupt') {
          if (hasPreloadHeader(request.headers)) corruptViaPreload++;
          if (navigationRequestSignals(request.headers).acceptPushStream === '1') {
            // A stream damaged from its first byte (a faulty middlebox, say): a fault, not WebKit's preload quirk.
            response.writeHead(200, { 'content-type': PUSH_STREAM_CONTENT_TYPE, 'push-stream-urls': '', 'cache-control': 'private, no-store' });
            response.end(Uint8Array.of(0x00, 0xff, 0x13, 0x37, 0x00, 0x00, 0x00, 0x09, 0x42));
          } else {
            response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
            response.end('<!doctype html><h1 id=t>corrupt stream</h1><p id=after>after</p>');
          }
        } else if (request.url === '/page-body') {
          if (hasPreloadHeader(request.headers)) pageBodyViaPreload++;
          // A stream announced and a plain page in its body, on the worker's own request too (a middlebox that
          // rewrote the body, say): a fault on the way, not WebKit's preload quirk, which spoils the preload alone.
          const asked = navigationRequestSignals(request.headers).acceptPushStream === '1';
          response.writeHead(200, asked ? { 'content-type': PUSH_STREAM_CONTENT_TYPE, 'push-stream-urls': '', 'cache-control': 'private, no-store' } : { 'content-type': 'text/html', 'cache-control': 'no-cache' });
          response.end('<!doctype html><h1 id=t>page body</h1><p id=after>after</p>');
        } else if (request.url === '/dies') {
          writeStream(response, '/late.js', '<!doctype html><h1 id=t>still here</h1><img src=/ping.gif><p id=after>after</p>');
          // The whole server dies once the page part reached the page (its image is requested), or after a second.
          killTimer = setTimeout(() => crafted!.kill(), 1000);
        } else if (request.url === '/ping.gif') {
          clearTimeout(killTimer);
          crafted!.kill();
        } else return false;
      });
      await engine.goto(`${crafted.origin}/install`);
      await eventually(() => engine.evaluate<boolean>('navigator.serviceWorker.controller !== null'));
      const text = (id: string) => engine.evaluate<string>(`document.getElementById('${id}')?.textContent ?? ''`);

      await engine.goto(`${crafted.origin}/ends-early`);
      await eventually(async () => (await text('after')) === 'after');
      expect(await text('t')).toBe('ended early');
      expect((await cachedPaths()).filter((p) => p === '/early.js')).toEqual([]);

      // A corrupt stream arriving through navigation preload: the page renders, and preload stays on (no quirk flag).
      await engine.goto(`${crafted.origin}/corrupt`);
      await eventually(async () => (await text('after')) === 'after');
      expect(await text('t')).toBe('corrupt stream');
      expect(corruptViaPreload).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 500)); // what the worker does after the stream closes
      expect(await engine.evaluate<boolean>(PRELOAD_STILL_ON)).toBe(true);

      // A page body where a stream was announced, through preload and on the worker's own request alike: preload stays on.
      await engine.goto(`${crafted.origin}/page-body`);
      await eventually(async () => (await text('after')) === 'after');
      expect(await text('t')).toBe('page body');
      expect(pageBodyViaPreload).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await engine.evaluate<boolean>(PRELOAD_STILL_ON)).toBe(true);

      await engine.goto(`${crafted.origin}/dies`);
      if (expectations.pageSurvivesServerDeath) {
        await eventually(async () => (await text('after')) === 'after');
        expect(await text('t')).toBe('still here');
        expect((await cachedPaths()).filter((p) => p === '/late.js')).toEqual([]);
      } else {
        // The engine holds the preload body back until it completes: the page part dies with the connection,
        // the worker's retry finds no server, and the browser shows its own error page (as without the worker).
        await eventually(async () => (await engine.evaluate<string>('document.readyState')) === 'complete');
        expect(await text('t')).toBe('');
      }
    }, 90_000);
  });
}
