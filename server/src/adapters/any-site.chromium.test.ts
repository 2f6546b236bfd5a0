// A plain static site (hand-written HTML, no build step, no client scripts in it)
// served by startServer with the loader injected, visited by real Chromium: the
// Service Worker installs from the in-memory scripts and the push stream works.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { startServer, type RunningServer } from './start-server.ts';

const FILES: Record<string, string> = {
  'index.html': `<!doctype html>
<html><head><meta charset="utf-8"><title>plain</title>
<link rel="stylesheet" href="/style.css">
<script src="/app.js" defer></script>
</head><body><h1 id="title">plain site</h1><p id="status">loading</p><img src="/dot.svg" alt=""></body></html>
`,
  'style.css': `h1 { color: rgb(10, 20, 30); }\n${'/* padding so compression would apply */\n'.repeat(20)}`,
  'app.js': `document.getElementById('status').textContent = 'ready';\n`,
  'dot.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>\n`,
};
const ASSETS = ['/app.js', '/dot.svg', '/style.css'];

let workDir: string;
let server: RunningServer;
let context: BrowserContext;
let origin: string;
/** Requests Chromium sent to the network (not answered by the worker), as `sw URL` or `page URL`. */
const network: string[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-any-site-'));
  const root = path.join(workDir, 'site');
  await mkdir(root);
  for (const [name, text] of Object.entries(FILES)) await writeFile(path.join(root, name), text);
  server = await startServer({ root, mode: 'stream', injectLoader: true, certDir: path.join(workDir, 'certs'), log: false });
  origin = server.url.replace(/\/$/, '');
  context = await chromium.launchPersistentContext(path.join(workDir, 'profile'), {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--ignore-certificate-errors-spki-list=${server.spki}`],
  });
  context.on('request', (request) => {
    if (request.serviceWorker()) network.push(`sw ${request.url()}`);
  });
  context.on('requestfinished', async (request) => {
    if (request.serviceWorker()) return;
    const response = await request.response().catch(() => null);
    if (response && !response.fromServiceWorker()) network.push(`page ${request.url()}`);
  });
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await server?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function visit(): Promise<{ page: Page; summary: ReturnType<typeof parseSummaryHeader> }> {
  network.length = 0;
  const page = await context.newPage();
  const response = await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 30_000 });
  return { page, summary: parseSummaryHeader(response?.headers()['cache-digest-push']) };
}

const cachedUrls = (page: Page) =>
  page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    return urls.sort();
  });

describe('any static site, loader injected, client scripts from memory, in Chromium', () => {
  it('first visit: the injected loader registers the in-memory worker, which caches the page assets', async () => {
    const { page } = await visit();
    expect(server.clientScripts.sort()).toEqual(['/cache-digest-sw.js', '/cache-digest.js']);
    expect(await page.evaluate(() => [...document.querySelectorAll('script[src]')].map((script) => script.getAttribute('src')))).toContain('/cache-digest.js');
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 30_000 });
    await expect.poll(async () => (await cachedUrls(page)).filter((url) => ASSETS.includes(url)), { timeout: 30_000 }).toEqual(ASSETS);
    expect(server.manifest.pages['/index.html']!.map((asset) => asset.url).sort()).toEqual(ASSETS);
    await page.close();
  }, 90_000);

  it('second visit: one push stream (compression on) brings the page; no asset crosses the network', async () => {
    const { page, summary } = await visit();
    expect(summary).toMatchObject({ mode: 'stream', pushed: 0, skipped: ASSETS.length });
    expect(summary!.digest).toBeGreaterThanOrEqual(ASSETS.length);
    expect(network.filter((line) => ASSETS.some((asset) => line.endsWith(asset)))).toEqual([]);
    // The page came from its part: the worker did not fetch it a second time.
    expect(network.filter((line) => line === `sw ${origin}/`)).toHaveLength(1);
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('title')!).color)).toBe('rgb(10, 20, 30)');
    await page.close();
  }, 90_000);
});
