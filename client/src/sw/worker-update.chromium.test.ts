// A new version of the kit's worker deployed under a site that prompts
// before activating (`activation: 'on-message'`): the new worker waits while
// the old one keeps serving, takes over when a page posts
// SKIP_WAITING_MESSAGE, deletes the old version's cache, and the page keeps
// working. Real server (stream mode), real Chromium.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '@cache-digest/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { waitForController } from '../../test-support/page-helpers.ts';
import { LOADER_PATH, SKIP_WAITING_MESSAGE, WORKER_PATH } from '../paths.ts';
import { bundleClientFiles } from '../vite/bundle-client-files.ts';

const PAGE = `<!doctype html><html><head><meta charset=utf-8><link rel=stylesheet href=/style.css><script src="${LOADER_PATH}" async></script></head><body><h1 id=title>update</h1></body></html>`;

describe('deploying a new worker version with activation on message, in Chromium', () => {
  let root: string;
  let server: RunningServer;
  let browser: LaunchedChromium;
  let origin: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cache-digest-update-'));
    const files = await bundleClientFiles({ activation: 'on-message', cacheVersion: 'v1' });
    await writeFile(path.join(root, 'index.html'), PAGE);
    await writeFile(path.join(root, 'style.css'), 'h1 { color: rgb(1, 2, 3); }\n');
    await writeFile(path.join(root, WORKER_PATH.slice(1)), files.worker);
    server = await startServer({ root, port: 0, host: '127.0.0.1', mode: 'stream', certDir: path.resolve('.dev-certs'), log: false });
    origin = server.url.replace(/\/$/, '');
    browser = await launchChromium({ spki: [server.spki] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('the first version activates at once (nothing to wait for) and caches the page assets', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    await waitForController(page);
    await expect.poll(() => page.evaluate(async () => (await caches.keys()).sort()), { timeout: 20_000 }).toEqual(['cache-digest-runtime-v1']);
    await page.close();
  });

  it('a new version waits while the old one serves; on the message it takes over and drops the old cache', async () => {
    await writeFile(path.join(root, WORKER_PATH.slice(1)), (await bundleClientFiles({ activation: 'on-message', cacheVersion: 'v2' })).worker);
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state ?? null), { timeout: 20_000 }).toBe('installed');
    // Still waiting after a navigation: the old worker keeps serving, its cache intact.
    await page.reload();
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state ?? null)).toBe('installed');
    expect(await page.evaluate(async () => (await caches.keys()).includes('cache-digest-runtime-v1'))).toBe(true);

    const changed = page.evaluate(() => new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true })));
    await page.evaluate(async (type) => (await navigator.serviceWorker.getRegistration())!.waiting!.postMessage({ type }), SKIP_WAITING_MESSAGE);
    await changed; // the new version controls the page
    await expect.poll(() => page.evaluate(async () => (await caches.keys()).sort()), { timeout: 20_000 }).not.toContain('cache-digest-runtime-v1');

    // The page keeps working under the new version, which builds its own cache.
    await page.reload();
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('title')!).color)).toBe('rgb(1, 2, 3)');
    await expect.poll(() => page.evaluate(async () => (await caches.keys()).sort()), { timeout: 20_000 }).toEqual(['cache-digest-runtime-v2']);
    await page.close();
  });
});
