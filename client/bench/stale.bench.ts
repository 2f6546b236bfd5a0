// `npm run bench:stale`: a returning visitor whose entries have all expired
// and nothing changed (issue 18's third target), behind the round-trip
// emulator at RTT 0 (the floor) and RTT 100 ms, in real Chromium. The site
// is the stale-entries test's (a page, a stylesheet, a script, six images),
// served by the kit's server in stream mode with `max-age=2`; the worker has
// no freshness margin, so every entry is stale right after it expires.
// Each configuration: a first visit (worker installs), a second (it caches),
// then N returning visits, each after waiting past expiry, with every
// connection dropped and the worker stopped. The same visits with the worker
// blocked show the HTTP cache's revalidation. Writes bench/results/stale.json.
//
// Target: load <= setup + 1.2 RTT + transfer, where setup = 2 RTT (the
// emulator delays the TCP connect by one RTT, TLS 1.3 takes one more) and
// transfer = the same visit's load time at RTT 0 (the 304 parts' transfer
// plus what browser and server spend anyway, unlimited bandwidth).
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extraRoundTrips, LatencyLab, type VisitMetrics } from '@cache-digest/playwright';
import { startServer, type RunningServer } from '@cache-digest/server';
import { parseCacheDigestHeader, parsePreloadValue } from '@cache-digest/shared';
import { LOADER_PATH, WORKER_PATH } from '../src/paths.ts';
import { bundleClientFiles } from '../src/vite/bundle-client-files.ts';

const MAX_AGE_S = 2;
const VISITS = Number(process.env.STALE_BENCH_VISITS ?? 5);
const RTTS = [0, 100];
const ASSETS = ['/s/site.css', '/s/app.js', ...Array.from({ length: 6 }, (_, i) => `/s/photo-${i}.png`)];
const PAGE = `<!doctype html><html><head><meta charset=utf-8><link rel=stylesheet href=/s/site.css><script src=/s/app.js defer></script><script src="${LOADER_PATH}" async></script></head><body><h1 id=t>stale</h1>${ASSETS.filter((url) => url.endsWith('.png')).map((url) => `<img src=${url} alt="">`).join('')}</body></html>`;

type Client = 'worker' | 'http-cache';

interface Row {
  client: Client;
  rttMs: number;
  visit: number;
  loadMs: number;
  ttfbMs: number;
  afterFirstByteMs: number;
  /** Requests for assets that reached the network (not answered by the worker). */
  assetRequests: number;
  /** Of those, answered 304 as Playwright reports it (it reports revalidated images as 200). */
  notModified: number;
  /** Asset bodies over the network (worker: asset requests that reached the network plus bodies streamed; null without the worker, see bytesDown). */
  assetBodies: number | null;
  /** Asset bytes the server streamed with the page (its delivery stats). */
  streamedBodyBytes: number;
  /** Assets the server answered inside the stream without a body (304 parts). */
  streamSkipped: number;
  /** Bytes from server to browser through the emulator (TLS included): page + stream (+ 304s without the worker). */
  bytesDown: number;
  bytesUp: number;
  connections: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const repo = fileURLToPath(new URL('../../', import.meta.url));
const root = await mkdtemp(path.join(tmpdir(), 'cache-digest-stale-bench-'));
let server: RunningServer | undefined;
const rows: Row[] = [];
let siteAssetBytes = 0;
try {
  await mkdir(path.join(root, 's'));
  await writeFile(path.join(root, 'index.html'), PAGE);
  await writeFile(path.join(root, 's', 'site.css'), `h1 { color: rgb(1, 2, 3) }\n/* ${'c'.repeat(3000)} */\n`);
  await writeFile(path.join(root, 's', 'app.js'), `document.body.dataset.app = 'ran';\n// ${'j'.repeat(6000)}\n`);
  for (let i = 0; i < 6; i++) await writeFile(path.join(root, 's', `photo-${i}.png`), Buffer.alloc(12_000, i));
  for (const url of ASSETS) siteAssetBytes += (await stat(path.join(root, url))).size;
  const files = await bundleClientFiles({ freshnessMarginMs: 0 });
  await writeFile(path.join(root, LOADER_PATH.slice(1)), files.loader);
  await writeFile(path.join(root, WORKER_PATH.slice(1)), files.worker);
  // What `cache-digest serve DIR --mode stream` runs, with a two-second max-age for the assets.
  server = await startServer({ root, mode: 'stream', certDir: path.join(root, '.certs'), log: false, cacheControl: { other: `public, max-age=${MAX_AGE_S}` } });

  for (const client of ['worker', 'http-cache'] as const) {
    for (const rttMs of RTTS) rows.push(...(await measure(server, client, rttMs)));
  }
} finally {
  await server?.close();
  await rm(root, { recursive: true, force: true });
}

/** First visit, caching visit, then VISITS returning visits after expiry. */
async function measure(site: RunningServer, client: Client, rttMs: number): Promise<Row[]> {
  const lab = await LatencyLab.start({ url: site.url, rttMs, spki: [site.spki], serviceWorkers: client === 'worker' ? 'allow' : 'block' });
  const out: Row[] = [];
  try {
    await lab.newProfile();
    await lab.prime('/');
    await lab.prime('/');
    for (let visit = 1; visit <= VISITS; visit++) {
      await sleep(MAX_AGE_S * 1000 + 300);
      if (client === 'worker') await waitForStaleDigest(lab);
      await lab.prepare('returning');
      const responses: { status: number; fromWorker: boolean }[] = [];
      const onResponse = (response: import('playwright-core').Response) => {
        if (new URL(response.url()).pathname.startsWith('/s/')) responses.push({ status: response.status(), fromWorker: response.fromServiceWorker() });
      };
      lab.page.on('response', onResponse);
      const before = site.stats();
      const metrics: VisitMetrics = await lab.load('/', 'returning');
      await lab.page.waitForFunction(() => document.body.dataset.app === 'ran');
      const after = site.stats();
      lab.page.off('response', onResponse);
      const network = responses.filter((response) => !response.fromWorker);
      // With the worker, a body crosses the network either as an asset request that reached the network or
      // inside the navigation's stream (the server's bytes written). Without it, the server's delivery stats
      // count the stream it would have sent, and Chromium's Resource Timing and Playwright report revalidated
      // images as 200 with their full size: only the emulator's byte count tells, so bodies stay null there.
      const streamedBytes = after.bytesPushed - before.bytesPushed;
      const streamedBodies = after.assetsPushed - before.assetsPushed;
      out.push({
        client,
        rttMs,
        visit,
        loadMs: metrics.loadMs,
        ttfbMs: metrics.ttfbMs,
        afterFirstByteMs: metrics.afterFirstByteMs,
        assetRequests: network.length,
        notModified: network.filter((response) => response.status === 304).length,
        assetBodies: client === 'worker' ? network.length + streamedBodies : null,
        streamedBodyBytes: client === 'worker' ? streamedBytes : 0,
        streamSkipped: client === 'worker' ? after.assetsSkipped - before.assetsSkipped : 0,
        bytesDown: metrics.bytesDown,
        bytesUp: metrics.bytesUp,
        connections: metrics.connections,
      });
      // Let the worker store the refreshed freshness before the next wait.
      if (client === 'worker') await lab.settle();
    }
  } finally {
    await lab.close();
  }
  return out;
}

/** Until the navigation preload header (what the next navigation carries) holds every entry as stale and none as fresh. */
async function waitForStaleDigest(lab: LatencyLab): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const header = await lab.page.evaluate(async () => (await (await navigator.serviceWorker.ready).navigationPreload.getState()).headerValue ?? '');
    const members = parseCacheDigestHeader(parsePreloadValue(header).cacheDigest ?? '');
    const fresh = members.filter((member) => !member.stale).reduce((sum, member) => sum + member.digest.size, 0);
    const stale = members.filter((member) => member.stale).reduce((sum, member) => sum + member.digest.size, 0);
    if (fresh === 0 && stale >= ASSETS.length) return;
    await sleep(100);
  }
  throw new Error('the worker never published a digest with every entry stale');
}

// Table and summary.
const fmt = (n: number) => n.toFixed(0).padStart(6);
console.log('client      rtt  visit  load  ttfb  after-1st  asset-reqs  304s  bodies  stream-304-parts  bytes-down  conns');
for (const r of rows) {
  console.log(
    `${r.client.padEnd(10)} ${String(r.rttMs).padStart(4)}  ${String(r.visit).padStart(5)}${fmt(r.loadMs)}${fmt(r.ttfbMs)}  ${fmt(r.afterFirstByteMs)}   ${String(r.assetRequests).padStart(9)}  ${String(r.notModified).padStart(4)}  ${String(r.assetBodies).padStart(6)}  ${String(r.streamSkipped).padStart(16)}  ${String(r.bytesDown).padStart(10)}  ${String(r.connections).padStart(5)}`,
  );
}

const summaries = (['worker', 'http-cache'] as const).flatMap((client) =>
  RTTS.map((rttMs) => {
    const set = rows.filter((r) => r.client === client && r.rttMs === rttMs);
    return {
      client,
      rttMs,
      medianLoadMs: median(set.map((r) => r.loadMs)),
      medianTtfbMs: median(set.map((r) => r.ttfbMs)),
      medianAfterFirstByteMs: median(set.map((r) => r.afterFirstByteMs)),
      maxAssetBodies: set.some((r) => r.assetBodies === null) ? null : Math.max(...set.map((r) => r.assetBodies ?? 0)),
      medianAssetRequests: median(set.map((r) => r.assetRequests)),
      medianBytesDown: median(set.map((r) => r.bytesDown)),
    };
  }),
);
const target = (['worker', 'http-cache'] as const).map((client) => {
  const floor = summaries.find((s) => s.client === client && s.rttMs === 0)!;
  const at100 = summaries.find((s) => s.client === client && s.rttMs === 100)!;
  const rtt = 100;
  const setupMs = 2 * rtt;
  const transferMs = floor.medianLoadMs;
  const budgetMs = setupMs + 1.2 * rtt + transferMs;
  return {
    client,
    rttMs: rtt,
    setupMs,
    transferMs,
    budgetMs,
    medianLoadMs: at100.medianLoadMs,
    // Round trips after the page's first byte, over the floor's time after first byte.
    extraRoundTripsAfterFirstByte: extraRoundTrips({ afterFirstByteMs: at100.medianAfterFirstByteMs, rttMs: rtt }, floor.medianAfterFirstByteMs) ?? 0,
    // Round trips in all, over the floor's load time (setup included).
    roundTripsTotal: (at100.medianLoadMs - floor.medianLoadMs) / rtt,
    noAssetBody: at100.maxAssetBodies === null || floor.maxAssetBodies === null ? null : at100.maxAssetBodies === 0 && floor.maxAssetBodies === 0,
    holds: at100.medianLoadMs <= budgetMs && at100.maxAssetBodies !== null && at100.maxAssetBodies === 0,
  };
});
console.log('\nmedians:');
for (const s of summaries) {
  console.log(`  ${s.client.padEnd(10)} RTT ${String(s.rttMs).padStart(3)}: load ${s.medianLoadMs.toFixed(0)} ms, TTFB ${s.medianTtfbMs.toFixed(0)} ms, after first byte ${s.medianAfterFirstByteMs.toFixed(0)} ms, asset requests ${s.medianAssetRequests}, asset bodies (max) ${s.maxAssetBodies}, bytes down ${s.medianBytesDown}`);
}
console.log('\ntarget: load <= setup (2 RTT) + 1.2 RTT + transfer (load at RTT 0), no asset body over the network:');
for (const t of target) {
  console.log(
    `  ${t.client.padEnd(10)} load ${t.medianLoadMs.toFixed(0)} ms vs budget ${t.budgetMs.toFixed(0)} ms (${t.setupMs} + ${1.2 * t.rttMs} + ${t.transferMs.toFixed(0)}); ${t.roundTripsTotal.toFixed(2)} RTT over the floor in all, ${t.extraRoundTripsAfterFirstByte.toFixed(2)} after the first byte; no asset body: ${t.noAssetBody ?? 'not counted (bytes down ' + summaries.find((x) => x.client === t.client && x.rttMs === 100)!.medianBytesDown + ' B vs ' + siteAssetBytes + ' B of assets)'}; ${t.holds ? 'holds' : 'does not hold'}`,
  );
}
await mkdir(path.join(repo, 'bench', 'results'), { recursive: true });
await writeFile(
  path.join(repo, 'bench', 'results', 'stale.json'),
  `${JSON.stringify({ command: 'npm run bench:stale', maxAgeS: MAX_AGE_S, visits: VISITS, assets: ASSETS.length, siteAssetBytes, setup: '2 RTT: the emulator delays the TCP connect one RTT, TLS 1.3 one more; transfer: the same visits\' median load at RTT 0', summaries, target, rows }, null, 2)}\n`,
);
console.log('\nwrote bench/results/stale.json');
