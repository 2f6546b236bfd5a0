// A site built with the Vite plugin, served by the real cache-digest server
// (mode stream) over HTTP/2 on loopback, visited by real Chromium.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSummaryHeader, startServer, type RunningServer } from '@cache-digest/server';
import type { Request as BrowserRequest } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureSite } from '../test-support/build-fixture-site.ts';
import { launchChromium, type LaunchedChromium } from '../test-support/launch-chromium.ts';
import { cachedUrls, waitForController } from '../test-support/page-helpers.ts';
import type { PushManifest } from './vite/push-manifest-from-bundle.ts';

const CERT_DIR = path.resolve('.dev-certs');
// Compression is on (the default): in stream mode the server sends every part identity-encoded.

describe('Vite-built site on the real server, in Chromium', () => {
  const dirs: string[] = [];
  let server: RunningServer;
  let browser: LaunchedChromium;
  let origin: string;
  let manifest: PushManifest;
  /** Requests that left the browser: the worker's own fetches, and page requests the worker did not answer. */
  const networkRequests: string[] = [];

  const siteDir = async (edits?: Record<string, string>) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cache-digest-e2e-site-'));
    dirs.push(dir);
    await buildFixtureSite(dir, edits ? { edits } : {});
    return dir;
  };
  const assetUrls = (page: string) => manifest.pages[page]!.map((asset) => origin + asset.url);

  beforeAll(async () => {
    const root = await siteDir();
    manifest = JSON.parse(await readFile(path.join(root, 'push-manifest.json'), 'utf8')) as PushManifest;
    server = await startServer({ root, port: 0, host: '127.0.0.1', mode: 'stream', certDir: CERT_DIR, log: false });
    origin = server.url.replace(/\/$/, '');
    browser = await launchChromium({ spki: [server.spki] });
    browser.context.on('request', (request: BrowserRequest) => {
      if (request.serviceWorker()) networkRequests.push(`sw ${request.url()}`);
    });
    browser.context.on('requestfinished', async (request: BrowserRequest) => {
      if (request.serviceWorker()) return;
      const response = await request.response().catch(() => null);
      if (response && !response.fromServiceWorker()) networkRequests.push(`page ${request.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const visit = async (pathName: string, ready: string) => {
    networkRequests.length = 0;
    const page = await browser.context.newPage();
    const response = await page.goto(origin + pathName);
    await page.waitForFunction((text) => document.getElementById('status')?.textContent === text, ready);
    return { page, summary: parseSummaryHeader(response?.headers()['cache-digest-push']) };
  };

  it('first visit: the worker installs and caches the page assets', async () => {
    const { page } = await visit('/', 'ready: home');
    await waitForController(page);
    // The page's assets, and the loader script itself (cached by the same HTTP rules).
    await expect.poll(() => cachedUrls(page), { timeout: 30_000 }).toEqual([...assetUrls('/index.html'), `${origin}/cache-digest.js`].sort());
    await page.close();
  }, 60_000);

  it('second visit: the server decodes a digest of exactly the cached URLs; no asset crosses the network', async () => {
    const pushedBefore = server.stats().assetsPushed;
    const { page, summary } = await visit('/', 'ready: home');
    const cached = await cachedUrls(page);
    expect(summary).toEqual({ mode: 'stream', digest: cached.length, pushed: 0, skipped: assetUrls('/index.html').length, bytes: 0, pBits: 16 });
    expect(server.stats().assetsPushed).toBe(pushedBefore);
    expect(networkRequests).toEqual([`sw ${origin}/`]);
    await page.close();
  });

  it('another page: only the assets it does not share arrive, inside the push stream', async () => {
    const { page, summary } = await visit('/about/', 'ready: about');
    const missing = assetUrls('/about/index.html').filter((url) => !assetUrls('/index.html').includes(url));
    expect(missing.length).toBeGreaterThan(0);
    expect(summary).toMatchObject({ mode: 'stream', pushed: missing.length, skipped: assetUrls('/about/index.html').length - missing.length });
    expect(networkRequests).toEqual([`sw ${origin}/about/`]);
    await expect.poll(async () => (await cachedUrls(page)).filter((url) => missing.includes(url)).length).toBe(missing.length);
    await page.close();
  });

  it('after a deploy changing some assets, only those cross the network, inside the push stream', async () => {
    const oldAssets = assetUrls('/index.html');
    const root = await siteDir({ 'src/style.css': '\nh1 { color: rgb(70, 80, 90); }\n' });
    manifest = JSON.parse(await readFile(path.join(root, 'push-manifest.json'), 'utf8')) as PushManifest;
    const changed = assetUrls('/index.html').filter((url) => !oldAssets.includes(url));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(oldAssets.length);
    await server.close();
    server = await startServer({ root, port: Number(new URL(origin).port), host: '127.0.0.1', mode: 'stream', certDir: CERT_DIR, log: false });

    const { page, summary } = await visit('/', 'ready: home');
    expect(summary).toMatchObject({ mode: 'stream', pushed: changed.length, skipped: assetUrls('/index.html').length - changed.length });
    expect(networkRequests).toEqual([`sw ${origin}/`]);
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('title')!).color)).toBe('rgb(70, 80, 90)');
    await expect.poll(async () => (await cachedUrls(page)).filter((url) => changed.includes(url)).length).toBe(changed.length);
    await page.close();
  });
});
