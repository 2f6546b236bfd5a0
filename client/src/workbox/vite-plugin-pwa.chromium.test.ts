// The vite-plugin-pwa recipe (client/src/workbox/README.md), tested: the
// fixture app (client/test-support/vite-pwa-app) is built with vite-plugin-pwa
// (`injectManifest`) and the kit's Vite plugin, served by the real
// cache-digest server in stream mode and visited in real Chromium. A repeat
// visit sends the digest and no asset crosses the network; after a deploy
// (a rebuild with a changed script) only the changed asset arrives, in
// the push stream, and Workbox's precache update takes it from there instead
// of fetching it again.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSummaryHeader, startServer, type RunningServer } from '@cache-digest/server';
import type { Page, Request as BrowserRequest } from 'playwright-core';
import { build, defaultClientConditions, type Plugin, type UserConfig } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { cachedUrls, waitForController } from '../../test-support/page-helpers.ts';
import appConfig from '../../test-support/vite-pwa-app/vite.config.ts';

const APP = fileURLToPath(new URL('../../test-support/vite-pwa-app/', import.meta.url));
const COLOUR = 'rgb(10, 20, 30)';
const PRECACHE = 'workbox-precache';

/** The second deploy: the same app with its script changed (release 2); the style sheet stays. */
const releaseTwo: Plugin = {
  name: 'release-2',
  transform(code, id) {
    return id.endsWith('main.ts') ? code.replace('const RELEASE = 1;', 'const RELEASE = 2;') : undefined;
  },
};

/** Builds the fixture app as `vite build` would with its config, into `outDir`; returns the built asset paths. */
async function buildApp(outDir: string, extra: Plugin[] = []): Promise<string[]> {
  const config = (appConfig as (env: { command: 'build'; mode: string }) => UserConfig)({ command: 'build', mode: 'production' });
  await build({
    ...config,
    plugins: [...(config.plugins ?? []), ...extra],
    root: APP,
    configFile: false,
    logLevel: 'silent',
    // Inside this repository @cache-digest/* are used from their sources.
    resolve: { conditions: ['source', ...defaultClientConditions] },
    build: { outDir, emptyOutDir: true },
  });
  return (await readdir(path.join(outDir, 'assets'))).map((file) => `/assets/${file}`).sort();
}

describe('vite-plugin-pwa (injectManifest) with CacheDigestPlugin, in Chromium', () => {
  let first: string;
  let second: string;
  let firstAssets: string[];
  let secondAssets: string[];
  let server: RunningServer;
  let browser: LaunchedChromium;
  let origin: string;
  /** Requests that left the browser: the workers' own fetches (preload, precache install), and page requests no worker answered. */
  const network: string[] = [];

  beforeAll(async () => {
    first = await mkdtemp(path.join(tmpdir(), 'cache-digest-pwa-1-'));
    second = await mkdtemp(path.join(tmpdir(), 'cache-digest-pwa-2-'));
    firstAssets = await buildApp(first);
    secondAssets = await buildApp(second, [releaseTwo]);
    server = await startServer({ root: first, port: 0, host: '127.0.0.1', mode: 'stream', certDir: path.resolve('.dev-certs'), log: false });
    origin = server.url.replace(/\/$/, '');
    browser = await launchChromium({ spki: [server.spki] });
    browser.context.on('request', (request: BrowserRequest) => {
      if (request.serviceWorker()) network.push(`sw ${new URL(request.url()).pathname}`);
    });
    browser.context.on('requestfinished', async (request: BrowserRequest) => {
      if (request.serviceWorker()) return;
      const response = await request.response().catch(() => null);
      if (response && !response.fromServiceWorker()) network.push(`page ${new URL(request.url()).pathname}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const dir of [first, second]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  const visit = async (): Promise<{ page: Page; summary: ReturnType<typeof parseSummaryHeader> }> => {
    network.length = 0;
    const page = await browser.context.newPage();
    const response = await page.goto(`${origin}/`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    return { page, summary: parseSummaryHeader(response?.headers()['cache-digest-push']) };
  };
  const rendered = (page: Page) =>
    page.evaluate(() => {
      const title = document.getElementById('title')!;
      return { colour: getComputedStyle(title).color, release: title.dataset.release };
    });
  const precached = async (page: Page) => (await cachedUrls(page, PRECACHE)).map((url) => new URL(url).pathname);

  it('the build: a hashed script and style sheet, precached by the worker vite-plugin-pwa built; the deploy changes the script only', () => {
    expect(firstAssets).toHaveLength(2);
    const changed = secondAssets.filter((asset) => !firstAssets.includes(asset));
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(/\.js$/);
  });

  it("the kit's Vite plugin writes the push manifest only: the site's own worker replaces the kit's", async () => {
    const files = await readdir(first);
    expect(files).toEqual(expect.arrayContaining(['push-manifest.json', 'sw.js', 'index.html']));
    expect(files).not.toContain('cache-digest-sw.js');
    expect(files).not.toContain('cache-digest.js');
  });

  it('first visit installs the worker, which precaches the build and turns navigation preload on', async () => {
    const { page } = await visit();
    await waitForController(page);
    await expect.poll(() => precached(page), { timeout: 20_000 }).toEqual(firstAssets);
    await expect
      .poll(() => page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState()), { timeout: 20_000 })
      .toMatchObject({ enabled: true });
    await page.close();
  });

  it('repeat visit: the digest holds the precached assets, the server sends none, and no asset crosses the network', async () => {
    const { page, summary } = await visit();
    expect(summary).toMatchObject({ mode: 'stream', digest: firstAssets.length, pushed: 0, skipped: firstAssets.length });
    expect(network).toEqual(['sw /']);
    expect(await rendered(page)).toEqual({ colour: COLOUR, release: '1' });
    await page.close();
  });

  it('after a deploy: only the changed asset arrives, in the stream, and the precache update takes it from there', async () => {
    const port = server.port;
    await server.close();
    server = await startServer({ root: second, port, host: '127.0.0.1', mode: 'stream', certDir: path.resolve('.dev-certs'), log: false });
    const changed = secondAssets.filter((asset) => !firstAssets.includes(asset));
    const { page, summary } = await visit();
    expect(summary).toMatchObject({ mode: 'stream', pushed: changed.length, skipped: firstAssets.length - changed.length });
    expect(await rendered(page)).toEqual({ colour: COLOUR, release: '2' });
    // The browser finds the new worker; its precache install completes without fetching the streamed asset.
    await expect.poll(() => precached(page), { timeout: 30_000 }).toEqual(expect.arrayContaining(secondAssets));
    const settled = () =>
      page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return registration?.installing === null && registration.waiting === null;
      });
    await expect.poll(settled, { timeout: 30_000 }).toBe(true);
    // The changed script came in the stream (into the asset route's cache) and went over the network nowhere else.
    expect((await cachedUrls(page, 'assets')).map((url) => new URL(url).pathname)).toEqual(changed);
    expect(network.filter((entry) => entry.includes('/assets/'))).toEqual([]);
    await page.close();
  });
});
