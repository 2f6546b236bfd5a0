// The fault matrix (docs/failure-handling.md): real Chromium with the real
// worker, the real server in stream mode, and a proxy between them that
// breaks one push stream per case. Whatever breaks, the page renders whole
// (text, stylesheet, every image decoded) well within the stream's own
// timeouts, and Cache Storage holds no entry whose body differs from the file.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { crc32 } from '@cache-digest/shared';
import { startServer, type RunningServer } from '@cache-digest/server';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type Fault, type FaultProxy } from '../../test-support/fault-proxy.ts';
import { CHROMIUM_PATH, chromiumArgs } from '../../test-support/launch-chromium.ts';
import { waitForController } from '../../test-support/page-helpers.ts';

const LOADER = '<script src="/cache-digest.js" async></script>';
/** The colour the stylesheet's last rule sets: applied only when the whole stylesheet arrived. */
const COLOUR = 'rgb(12, 34, 56)';
const CSS = `/* ${'padding so that a cut lands inside the body; '.repeat(600)} */\nh1 { color: ${COLOUR}; }\n`;
/** Each case has a page of its own, with assets of its own, so that one worker serves every case with none of them cached. */
const page = (dir: string) =>
  `<!doctype html><html><head><meta charset=utf-8><link rel=stylesheet href=/${dir}/style.css>${LOADER}</head><body><h1 id=title>fault matrix</h1><img id=a src=/${dir}/a.png><img id=b src=/${dir}/b.png><p>${'page text '.repeat(400)}</p></body></html>`;
/**
 * Far below the worker's 15 s stream and part timeouts: a fault must be
 * recovered from at once (or after the 1 s page stall limit), not by timing out.
 */
const LOAD_BOUND_MS = 8000;

/** A noisy RGB PNG of `size` x `size` (barely compressible: its body spans several KB). */
function png(size: number, seed: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    out.set(data, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (1 + size * 3));
  let state = seed;
  for (let i = 0; i < raw.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    raw[i] = i % (1 + size * 3) === 0 ? 0 : state >>> 24;
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

const CASES: { name: string; fault: Fault; target: string; dir: string }[] = [
  { name: 'cut inside the page part', fault: 'cut-page', target: 'style.css' },
  { name: 'cut inside an asset', fault: 'cut-asset', target: 'style.css' },
  { name: 'corrupted page part', fault: 'corrupt-page', target: 'style.css' },
  { name: 'corrupted asset (CRC mismatch)', fault: 'corrupt-asset', target: 'a.png' },
  { name: 'asset that differs from its Content-Digest and ETag (CRC recomputed)', fault: 'forged-asset', target: 'b.png' },
  { name: 'page part missing its data but keeping its END', fault: 'drop-page-data', target: 'style.css' },
  { name: 'stream stalled inside the page part', fault: 'stall-page', target: 'style.css' },
  { name: 'the server gone after the page HEAD', fault: 'server-gone', target: 'style.css' },
  { name: 'a 500 page', fault: 'page-500', target: 'style.css' },
  { name: 'gzip-encoded stream with a byte flipped halfway', fault: 'corrupt-gzip', target: 'style.css' },
  { name: 'gzip-encoded stream cut halfway (no gzip trailer)', fault: 'cut-gzip', target: 'style.css' },
].map((entry, i) => ({ ...entry, dir: `case-${i}`, target: `/case-${i}/${entry.target}` }) as { name: string; fault: Fault; target: string; dir: string });

describe('fault matrix: broken push streams in Chromium', () => {
  let root: string;
  let server: RunningServer;
  let proxy: FaultProxy;
  let browser: Browser;
  let context: BrowserContext;
  /** Bytes the origin serves for each path (identity), fetched past the proxy. */
  const served = new Map<string, Buffer>();

  const fetchServed = (pathName: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const session = http2.connect(server.url, { rejectUnauthorized: false });
      session.on('error', reject);
      const request = session.request({ ':path': pathName, 'accept-encoding': 'identity' });
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        session.close();
        resolve(Buffer.concat(chunks));
      });
      request.on('error', reject);
    });

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cache-digest-faults-'));
    await writeFile(path.join(root, 'install.html'), `<!doctype html><title>install</title>${LOADER}<h1>install</h1>`);
    for (const { dir } of CASES) {
      await mkdir(path.join(root, dir));
      await writeFile(path.join(root, dir, 'index.html'), page(dir));
      await writeFile(path.join(root, dir, 'style.css'), CSS);
      await writeFile(path.join(root, dir, 'a.png'), png(48, 1));
      await writeFile(path.join(root, dir, 'b.png'), png(40, 2));
    }
    server = await startServer({ root, port: 0, host: '127.0.0.1', mode: 'stream', certDir: path.resolve('.dev-certs'), log: false });
    proxy = await startFaultProxy(server.url.replace(/\/$/, ''));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: chromiumArgs([server.spki, proxy.spki]), timeout: 60_000 });
    // One worker for every case.
    context = await browser.newContext();
    const installing = await context.newPage();
    await installing.goto(`${proxy.origin}/install.html`);
    await waitForController(installing);
    await installing.close();
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it.each(CASES)('$name: the page renders whole and no corrupt entry is cached', async ({ fault, target, dir }) => {
    const page = await context.newPage();
    try {
      proxy.arm(fault, target);
      const started = Date.now();
      const response = await page.goto(`${proxy.origin}/${dir}/`, { waitUntil: 'load', timeout: LOAD_BOUND_MS });
      const loadMs = Date.now() - started;

      expect(proxy.applied).toBe(true);
      expect(loadMs).toBeLessThan(LOAD_BOUND_MS);
      expect(response?.status()).toBe(fault === 'page-500' ? 500 : 200);

      const rendered = await page.evaluate(() => ({
        readyState: document.readyState,
        title: document.getElementById('title')?.textContent,
        colour: getComputedStyle(document.getElementById('title')!).color,
        images: [...document.images].map((image) => ({ id: image.id, complete: image.complete, width: image.naturalWidth })),
        text: document.body.textContent?.length ?? 0,
      }));
      expect(rendered.readyState).toBe('complete');
      expect(rendered.title).toBe('fault matrix');
      expect(rendered.colour).toBe(COLOUR);
      expect(rendered.images).toEqual([
        { id: 'a', complete: true, width: 48 },
        { id: 'b', complete: true, width: 40 },
      ]);
      expect(rendered.text).toBe('fault matrix'.length + 'page text '.repeat(400).length);

      // Once the stream is over, every cached body is exactly the file served.
      const readCache = () =>
        page.evaluate(async () => {
          const entries: { url: string; sha256: string }[] = [];
          for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
              const body = await (await cache.match(request))!.arrayBuffer();
              const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
              entries.push({ url: request.url, sha256: [...hash].map((byte) => byte.toString(16).padStart(2, '0')).join('') });
            }
          }
          return entries.sort((x, y) => x.url.localeCompare(y.url));
        });
      let entries = await readCache();
      for (let settled = 0, round = 0; settled < 3 && round < 50; round++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const next = await readCache();
        settled = JSON.stringify(next) === JSON.stringify(entries) ? settled + 1 : 0;
        entries = next;
      }
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        const pathName = new URL(entry.url).pathname;
        if (!served.has(pathName)) served.set(pathName, await fetchServed(pathName));
        expect({ url: pathName, sha256: entry.sha256 }).toEqual({ url: pathName, sha256: createHash('sha256').update(served.get(pathName)!).digest('hex') });
      }
    } finally {
      await page.close();
    }
  }, 30_000);

  it('every asset part the server wrote carries the Content-Digest of its file', async () => {
    const assets = proxy.heads.filter((head) => head.role === 'asset' && head.status === 200);
    expect(assets.length).toBeGreaterThan(0);
    for (const head of assets) {
      if (!served.has(head.url)) served.set(head.url, await fetchServed(head.url));
      expect(head.headers['content-digest']).toBe(`sha-256=:${createHash('sha256').update(served.get(head.url)!).digest('base64')}:`);
    }
  });
});
