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
import type { Page } from 'playwright-core';
import { build, defaultClientConditions, type Plugin, type UserConfig } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedUrls, waitForController } from '../../test-support/page-helpers.ts';
import { openWorkboxSite, type WorkboxSiteSession } from '../../test-support/workbox-site-session.ts';
import { navigationRequestSignals } from '../sw/preload-header-value.ts';
import { parseCacheDigestHeader } from '@cache-digest/shared';
import appConfig from '../../test-support/vite-pwa-app/vite.config.ts';

const APP = fileURLToPath(new URL('../../test-support/vite-pwa-app/', import.meta.url));
const COLOUR = 'rgb(10, 20, 30)';
const PRECACHE = 'workbox-precache';

/** A later deploy: the same app with its script changed (release `n`); the style sheet stays. */
const release = (n: number): Plugin => ({
  name: `release-${n}`,
  transform(code, id) {
    return id.endsWith('main.ts') ? code.replace('const RELEASE = 1;', `const RELEASE = ${n};`) : undefined;
  },
});

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
  let third: string;
  let firstAssets: string[];
  let secondAssets: string[];
  let thirdAssets: string[];
  let site: WorkboxSiteSession;
  let origin: string;
  let network: string[];
  const visit = () => site.visit();

  beforeAll(async () => {
    first = await mkdtemp(path.join(tmpdir(), 'cache-digest-pwa-1-'));
    second = await mkdtemp(path.join(tmpdir(), 'cache-digest-pwa-2-'));
    third = await mkdtemp(path.join(tmpdir(), 'cache-digest-pwa-3-'));
    firstAssets = await buildApp(first);
    secondAssets = await buildApp(second, [release(2)]);
    thirdAssets = await buildApp(third, [release(3)]);
    site = await openWorkboxSite(first);
    ({ origin, network } = site);
  }, 120_000);

  afterAll(async () => {
    await site?.close();
    for (const dir of [first, second, third]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  const rendered = (page: Page) =>
    page.evaluate(() => {
      const title = document.getElementById('title')!;
      return { colour: getComputedStyle(title).color, release: title.dataset.release };
    });
  const paths = (urls: string[]) => urls.map((url) => new URL(url).pathname);
  const precached = async (page: Page) => paths(await cachedUrls(page, PRECACHE));
  /** True once no new worker is installing or waiting. */
  const settled = (page: Page) =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return registration?.installing === null && registration.waiting === null;
    });
  /** The paths the next navigation's digest holds (the plugin publishes it to navigation preload), among `candidates`. */
  const held = async (page: Page, candidates: string[]) => {
    const { headerValue } = await page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState());
    const members = parseCacheDigestHeader(navigationRequestSignals({ 'service-worker-navigation-preload': headerValue }).cacheDigest);
    const fresh = members.find((member) => !member.stale)!;
    return { size: fresh.digest.size, held: candidates.filter((asset) => fresh.digest.has(origin + asset)) };
  };

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
    await site.deploy(second);
    const changed = secondAssets.filter((asset) => !firstAssets.includes(asset));
    const { page, summary } = await visit();
    expect(summary).toMatchObject({ mode: 'stream', pushed: changed.length, skipped: firstAssets.length - changed.length });
    expect(await rendered(page)).toEqual({ colour: COLOUR, release: '2' });
    // The browser finds the new worker; its precache install completes without fetching the streamed asset.
    await expect.poll(() => precached(page), { timeout: 30_000 }).toEqual(expect.arrayContaining(secondAssets));
    await expect.poll(() => settled(page), { timeout: 30_000 }).toBe(true);
    // The changed script came in the stream (into the asset route's cache) and went over the network nowhere else.
    expect((await cachedUrls(page, 'assets')).map((url) => new URL(url).pathname)).toEqual(changed);
    expect(network.filter((entry) => entry.includes('/assets/'))).toEqual([]);
    await page.close();
  });

  it('a second deploy: the streamed script it superseded leaves the asset cache and the digest; the precache keeps what Workbox manages', async () => {
    await site.deploy(third);
    const changed = thirdAssets.filter((asset) => !secondAssets.includes(asset));
    const superseded = secondAssets.filter((asset) => !thirdAssets.includes(asset));
    expect([changed.length, superseded.length]).toEqual([1, 1]);
    const { page, summary } = await visit();
    expect(summary).toMatchObject({ mode: 'stream', pushed: 1, skipped: 1 });
    expect(await rendered(page)).toEqual({ colour: COLOUR, release: '3' });
    // Release 2's script, streamed into the asset route's cache at the last deploy, is pruned once this stream is stored.
    await expect.poll(async () => paths(await cachedUrls(page, 'assets')), { timeout: 20_000 }).toEqual(changed);
    await expect.poll(() => settled(page), { timeout: 30_000 }).toBe(true);
    // The precache holds the current build (Workbox's own update retires release 2 there).
    await expect.poll(() => precached(page), { timeout: 30_000 }).toEqual(thirdAssets);
    expect(network.filter((entry) => entry.includes('/assets/'))).toEqual([]);
    await page.close();

    // Next visit: nothing to send; after its stream the digest holds exactly the current build.
    const { page: again, summary: repeat } = await visit();
    expect(repeat).toMatchObject({ mode: 'stream', pushed: 0 });
    expect(network.filter((entry) => entry.includes('/assets/'))).toEqual([]);
    await expect.poll(() => held(again, [...new Set([...firstAssets, ...secondAssets, ...thirdAssets])]), { timeout: 20_000 }).toEqual({ size: thirdAssets.length, held: thirdAssets });
    expect(await precached(again)).toEqual(thirdAssets);
    await again.close();
  });
});
