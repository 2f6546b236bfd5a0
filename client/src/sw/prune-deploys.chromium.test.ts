// Thirty deploys of a two-page site, each replacing a few content-hashed
// assets, with a visit to the home page after each, in one real Chromium
// against `cache-digest serve` restarted on the same origin: the worker
// retires what no current page lists (prune-after-stream.ts), so Cache
// Storage and the digest each navigation carries stay at the current site's
// size, and the visit after the last deploy is still sent only what changed.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePreloadValue, parseCacheDigestHeader } from '@cache-digest/shared';
import { startServer, type RunningServer } from '@cache-digest/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedChromium } from '../../test-support/launch-chromium.ts';
import { eventually, waitForController } from '../../test-support/page-helpers.ts';
import { controlServiceWorkers } from '../../test-support/service-worker-control.ts';
import { LOADER_PATH } from '../paths.ts';

const DEPLOYS = 30;
const PHOTOS = 10;

/** A deterministic body of `size` bytes for `label`. */
function body(label: string, size: number): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < size; i++) chunks.push(createHash('sha256').update(`${label}/${i}`).digest());
  return Buffer.concat(chunks).subarray(0, size);
}

/** `name-<8 base64url characters of the content's SHA-256>.ext`, as Vite names files. */
const hashedName = (name: string, ext: string, bytes: Buffer) => `${name}-${createHash('sha256').update(bytes).digest('base64url').slice(0, 8)}.${ext}`;

interface Deploy {
  /** Every asset URL path of each page. */
  pages: Record<string, string[]>;
  /** Bytes of each asset, by URL path. */
  sizes: Map<string, number>;
}

/**
 * Writes deploy `k` into `root` (replacing the previous one, as a real
 * deploy does): a shared stylesheet on both pages, and on the home page its
 * own stylesheet, a script and ten photos; the script and two photos change
 * with every deploy.
 */
async function writeDeploy(root: string, k: number): Promise<Deploy> {
  await rm(path.join(root, 'assets'), { recursive: true, force: true });
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await mkdir(path.join(root, 'about'), { recursive: true });
  const sizes = new Map<string, number>();
  const asset = async (name: string, ext: string, bytes: Buffer): Promise<string> => {
    const file = hashedName(name, ext, bytes);
    await writeFile(path.join(root, 'assets', file), bytes);
    sizes.set(`/assets/${file}`, bytes.length);
    return `/assets/${file}`;
  };
  const shared = await asset('shared', 'css', Buffer.from(`body { margin: 0 }\n/* ${'s'.repeat(2000)} */\n`));
  const home = await asset('home', 'css', Buffer.from(`h1 { color: rgb(1, 2, 3) }\n/* ${'h'.repeat(1500)} */\n`));
  const app = await asset('app', 'js', Buffer.from(`document.title = 'deploy ${k}';\n// ${'a'.repeat(4000)}\n`));
  const photos: string[] = [];
  for (let i = 0; i < PHOTOS; i++) {
    // Photos k % 10 and (k + 5) % 10 change with deploy k.
    const version = i === k % PHOTOS || i === (k + 5) % PHOTOS ? k : Math.max(...[0, ...Array.from({ length: k }, (_, d) => d + 1).filter((d) => i === d % PHOTOS || i === (d + 5) % PHOTOS)]);
    photos.push(await asset(`photo-${String(i).padStart(2, '0')}`, 'png', body(`photo ${i} v${version}`, 8000)));
  }
  const head = (links: string) => `<!doctype html><html><head><meta charset=utf-8>${links}<script src="${LOADER_PATH}" async></script></head>`;
  await writeFile(
    path.join(root, 'index.html'),
    `${head(`<link rel=stylesheet href=${shared}><link rel=stylesheet href=${home}><script type=module src=${app}></script>`)}<body><h1 id=t>home ${k}</h1>${photos.map((photo) => `<img src=${photo} alt="">`).join('')}</body></html>`,
  );
  await writeFile(path.join(root, 'about', 'index.html'), `${head(`<link rel=stylesheet href=${shared}>`)}<body><h1 id=t>about</h1></body></html>`);
  return { pages: { '/': [shared, home, app, ...photos], '/about/': [shared] }, sizes };
}

describe('thirty deploys, a visit after each, in Chromium', () => {
  let root: string;
  let certDir: string;
  let server: RunningServer;
  let browser: LaunchedChromium;
  let page: Page;
  let port: number;
  let initial: Deploy;

  const origin = () => server.url.replace(/\/$/, '');

  /** What the worker holds: Cache Storage URLs and body bytes. */
  const cacheContents = () =>
    page.evaluate(async () => {
      const urls: string[] = [];
      let bytes = 0;
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
          urls.push(new URL(request.url).pathname);
          bytes += (await (await cache.match(request))!.arrayBuffer()).byteLength;
        }
      }
      return { urls: urls.sort(), bytes };
    });

  /** The `Cache-Digest` value the next navigation carries (the worker publishes it to navigation preload). */
  const nextDigest = () =>
    page.evaluate(async () => (await navigator.serviceWorker.ready).navigationPreload.getState().then((state) => state.headerValue ?? ''));

  /** Restarts the server on the same origin (the worker's scope), serving the folder as it is now. */
  const restart = async () => {
    await server?.close();
    server = await startServer({ root, port, mode: 'stream', certDir, log: false });
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cache-digest-deploys-'));
    certDir = path.join(root, '..', `${path.basename(root)}-certs`);
    initial = await writeDeploy(root, 0);
    server = await startServer({ root, port: 0, mode: 'stream', certDir, log: false });
    port = server.port;
    browser = await launchChromium({ spki: [server.spki] });
    page = await browser.context.newPage();
    await page.goto(`${origin()}/`);
    await waitForController(page);
    await page.goto(`${origin()}/about/`);
    await page.goto(`${origin()}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('keeps Cache Storage and the digest at the current site, and sends only what changed', async () => {
    const series: { deploy: number; entries: number; bytes: number; digestChars: number; digestEntries: number; sent: number; siteEntries: number; siteBytes: number; everDelivered: number; everDeliveredBytes: number }[] = [];
    // Every asset URL delivered so far (with its bytes): what the cache would hold if nothing were retired.
    const delivered = new Map<string, number>(initial.sizes);
    for (let k = 1; k <= DEPLOYS; k++) {
      const deploy = await writeDeploy(root, k);
      await restart();
      await page.goto(`${origin()}/`);
      expect(await page.textContent('#t')).toBe(`home ${k}`);
      const stats = server.stats();
      // The script and two photos changed; the other ten assets the worker holds.
      expect([k, stats.assetsPushed, stats.assetsSkipped]).toEqual([k, 3, 10]);
      const current = [...new Set([...Object.values(deploy.pages).flat(), LOADER_PATH])].sort();
      const currentBytes = [...new Set(Object.values(deploy.pages).flat())].reduce((sum, url) => sum + deploy.sizes.get(url)!, 0);
      // The superseded script and photos leave once the stream is stored.
      await eventually(async () => JSON.stringify((await cacheContents()).urls) === JSON.stringify(current), 10_000).catch(() => undefined);
      const { urls, bytes } = await cacheContents();
      expect(urls).toEqual(current);
      let digest = '';
      await eventually(async () => {
        digest = parsePreloadValue(await nextDigest()).cacheDigest ?? '';
        return parseCacheDigestHeader(digest).reduce((sum, member) => sum + member.digest.size, 0) === urls.length;
      });
      const digestEntries = parseCacheDigestHeader(digest).reduce((sum, member) => sum + member.digest.size, 0);
      for (const [url, size] of deploy.sizes) delivered.set(url, size);
      const everDeliveredBytes = [...delivered.values()].reduce((sum, size) => sum + size, 0);
      series.push({ deploy: k, entries: urls.length, bytes, digestChars: digest.length, digestEntries, sent: stats.assetsPushed, siteEntries: current.length, siteBytes: currentBytes, everDelivered: delivered.size + 1, everDeliveredBytes });
      expect(urls.length).toBeLessThanOrEqual(Math.ceil(current.length * 1.1));
      // The loader is the one entry outside the pages' lists; bodies beyond the current assets stay under half of them.
      expect(bytes).toBeLessThanOrEqual(currentBytes * 1.5);
    }
    // The digest does not grow with the deploys.
    const lengths = series.map((point) => point.digestChars);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(lengths[0]! + 4);
    if (process.env.CACHE_DIGEST_DEPLOYS_OUT) await writeFile(process.env.CACHE_DIGEST_DEPLOYS_OUT, `${JSON.stringify(series, null, 2)}\n`);
  }, 300_000);

  it('an index rebuilt from a corrupt IndexedDB copy keeps its page records: the next deploy still retires what it superseded', async () => {
    // One malformed record makes the whole copy unusable: the restarted worker rebuilds its index from Cache Storage.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('cache-digest');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const transaction = open.result.transaction('entries', 'readwrite');
            transaction.objectStore('entries').put({ url: `${location.origin}/corrupt`, urlHi: 'not a hash' });
            transaction.oncomplete = () => (open.result.close(), resolve());
            transaction.onerror = () => reject(transaction.error);
          };
        }),
    );
    const workers = await controlServiceWorkers(browser.context, page);
    await workers.stopAll();
    const k = DEPLOYS + 1;
    const deploy = await writeDeploy(root, k);
    await restart();
    await page.goto(`${origin()}/`);
    expect(await page.textContent('#t')).toBe(`home ${k}`);
    expect([server.stats().assetsPushed, server.stats().assetsSkipped]).toEqual([3, 10]);
    const current = [...new Set([...Object.values(deploy.pages).flat(), LOADER_PATH])].sort();
    await eventually(async () => JSON.stringify((await cacheContents()).urls) === JSON.stringify(current), 10_000).catch(() => undefined);
    expect((await cacheContents()).urls).toEqual(current);
  }, 60_000);
});
