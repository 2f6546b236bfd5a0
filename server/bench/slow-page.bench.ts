// `npm run bench:slow-page`: sending before the page is built. The Express
// example's /slow page takes 200 ms to build; behind the kit's middleware,
// when does the first asset byte reach the client, and when does the page's
// first byte? Over HTTP/2 (node:http2 client, h2c on loopback: push, 103 hints
// + the client fetching the first hinted asset at once, push stream) and over
// HTTP/1.1 through Express itself (push stream). Median of ROUNDS fresh
// connections, no digest (every asset missing). Prints a table and writes
// bench/results/slow-page.json.
//   ROUNDS=9 npm run bench:slow-page
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PushStreamReader } from '@cache-digest/shared';
import { cacheDigestMiddleware } from '../src/adapters/cache-digest-middleware.ts';
import { writeStaticResponse } from '../src/adapters/write-static-response.ts';
import type { DeliveryMode, PageAsset } from '../src/core/types.ts';
import type { StaticSite } from '../src/static/index.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = path.join(REPO, 'bench', 'results', 'slow-page.json');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BUILD_MS = 200;

// The example's app is plain JavaScript (examples/ has no types).
const { createApp } = (await import(path.join(REPO, 'examples', 'express', 'app.mjs'))) as {
  createApp(options: { mode?: DeliveryMode; log?: false; slowMs?: number }): Promise<{
    app: { listen(port: number, host: string, callback: () => void): http.Server };
    manifest: { pages: Record<string, PageAsset[]>; routes: Record<string, PageAsset[]> };
    site: StaticSite;
  }>;
};

interface Timing {
  firstAssetByteMs: number;
  pageFirstByteMs: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** An HTTP/2 (h2c) server: the middleware in front of a page that takes BUILD_MS, assets from the example's site. */
async function h2Server(mode: DeliveryMode): Promise<{ url: string; close(): Promise<void> }> {
  const { manifest, site } = await createApp({ log: false });
  const middleware = cacheDigestMiddleware({ pages: manifest.pages, routes: manifest.routes, assets: site, mode, log: false });
  const server = http2.createServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path === '/slow') {
      middleware(req, res, () => {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end('<!doctype html><title>Slow</title><h1>Slow page</h1>\n');
        }, BUILD_MS);
      });
      return;
    }
    writeStaticResponse(res, await site.handle({ method: req.method, path, headers: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => sessions.add(session));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One navigation over a fresh HTTP/2 connection. */
function h2Navigation(url: string, mode: 'push' | 'hints' | 'stream'): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const start = performance.now();
    let firstAssetByteMs = NaN;
    let pageFirstByteMs = NaN;
    const assetByte = () => {
      if (Number.isNaN(firstAssetByteMs)) firstAssetByteMs = performance.now() - start;
    };
    session.on('stream', (pushed) => {
      pushed.on('data', assetByte);
      pushed.resume();
    });
    const request = session.request({ ':path': '/slow', ...(mode === 'stream' ? { 'accept-push-stream': '1' } : {}) });
    const reader = new PushStreamReader();
    const roles = new Map<number, string>();
    let fetched = false;
    request.on('headers', (headers) => {
      // A 103: a browser fetches what it hints at once; so does this client (its first link).
      const link = String(headers['link'] ?? '').match(/<([^>]+)>/)?.[1];
      if (headers[':status'] !== 103 || !link || fetched) return;
      fetched = true;
      const asset = session.request({ ':path': link });
      asset.on('data', assetByte);
      asset.resume();
    });
    request.on('response', () => {
      if (mode !== 'stream') pageFirstByteMs = performance.now() - start;
    });
    request.on('data', (chunk: Buffer) => {
      if (mode !== 'stream') return;
      for (const event of reader.push(chunk)) {
        if (event.type === 'head') {
          roles.set(event.part, event.role);
          if (event.role === 'asset') assetByte();
          if (event.role === 'page' && Number.isNaN(pageFirstByteMs)) pageFirstByteMs = performance.now() - start;
        }
      }
    });
    request.on('end', () => {
      // Let pushed streams and the hinted asset finish.
      setTimeout(() => {
        session.close();
        resolve({ firstAssetByteMs, pageFirstByteMs });
      }, 20);
    });
    request.on('error', reject);
    request.end();
  });
}

/** One navigation over HTTP/1.1 to the Express example itself, in stream mode. */
function h1StreamNavigation(port: number): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let firstAssetByteMs = NaN;
    let pageFirstByteMs = NaN;
    const reader = new PushStreamReader();
    http
      .get({ host: '127.0.0.1', port, path: '/slow', agent: false, headers: { 'accept-push-stream': '1' } }, (res) => {
        res.on('data', (chunk: Buffer) => {
          for (const event of reader.push(chunk)) {
            if (event.type !== 'head') continue;
            if (event.role === 'asset' && Number.isNaN(firstAssetByteMs)) firstAssetByteMs = performance.now() - start;
            if (event.role === 'page' && Number.isNaN(pageFirstByteMs)) pageFirstByteMs = performance.now() - start;
          }
        });
        res.on('end', () => resolve({ firstAssetByteMs, pageFirstByteMs }));
      })
      .on('error', reject);
  });
}

async function measure(run: () => Promise<Timing>): Promise<Timing> {
  await run(); // warm-up
  const timings: Timing[] = [];
  for (let i = 0; i < ROUNDS; i++) timings.push(await run());
  return { firstAssetByteMs: round(median(timings.map((t) => t.firstAssetByteMs))), pageFirstByteMs: round(median(timings.map((t) => t.pageFirstByteMs))) };
}

const rows: (Timing & { transport: string; mode: string; assetLeadMs: number })[] = [];
for (const mode of ['push', 'hints', 'stream'] as const) {
  const server = await h2Server(mode);
  const timing = await measure(() => h2Navigation(server.url, mode));
  rows.push({ transport: 'HTTP/2 (node:http2)', mode, ...timing, assetLeadMs: round(timing.pageFirstByteMs - timing.firstAssetByteMs) });
  await server.close();
}
{
  const { app } = await createApp({ mode: 'stream', log: false, slowMs: BUILD_MS });
  const server = await new Promise<http.Server>((resolve) => {
    const listening: http.Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const timing = await measure(() => h1StreamNavigation((server.address() as AddressInfo).port));
  rows.push({ transport: 'HTTP/1.1 (Express)', mode: 'stream', ...timing, assetLeadMs: round(timing.pageFirstByteMs - timing.firstAssetByteMs) });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

console.log(`Page built in ${BUILD_MS} ms; median of ${ROUNDS} navigations on fresh connections, loopback, no digest:`);
console.table(rows);
mkdirSync(path.dirname(RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify({ buildMs: BUILD_MS, rounds: ROUNDS, rows }, null, 2)}\n`);
console.log(`wrote ${path.relative(REPO, RESULTS)}`);
