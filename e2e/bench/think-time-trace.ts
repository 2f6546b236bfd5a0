// `npx tsx --conditions=source e2e/bench/think-time-trace.ts [--rtt 100] [--mbit 5] [--runs 3] [--strategies baseline,digest] [--think 200] [--trace DIR [--samples]]`:
// a timeline of the think-time visit (returning visitor after the v5 deploy, the page takes 200 ms to
// build) on one clock: when the server received the page request, ran the page handler, wrote each
// push-stream chunk (assets, then the page part), and what the page's Navigation and Resource Timing
// say (worker start, request, first byte, each asset's end, load; for each asset, Chromium's static
// router's matched and final source and its evaluation and cache lookup starts: cache routes,
// docs/cache-routes.md). The server's write times + RTT/2 are the browser's arrival times (the emulator
// holds each chunk RTT/2 per direction; `--mbit` caps the measured visit each way). `--think 0` measures the
// same deploy with a page that is ready at once (deploy-js). `--trace DIR` records a Chrome trace of each
// measured visit (DIR/<strategy>-<run>.json, for chrome://tracing or Perfetto) and prints what kept the
// page's main thread and the Service Worker's thread busy between navigation start and load.
import { Http2ServerResponse } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LatencyLab } from '@cache-digest/playwright';
import { StaticSite } from '@cache-digest/server';
import { E2eEnvironment } from '../src/harness/e2e-environment.ts';
import { THINK_TIME_MS, strategyNamed } from '../src/harness/strategies.ts';
import { renderFailure, type RenderCheckResult } from '../src/harness/render-check.ts';
import { ChromeTrace } from './chrome-trace.ts';

const { values } = parseArgs({
  options: {
    rtt: { type: 'string', default: '100' },
    mbit: { type: 'string', default: '0' },
    runs: { type: 'string', default: '3' },
    strategies: { type: 'string', default: 'baseline,digest' },
    think: { type: 'string', default: String(THINK_TIME_MS) },
    trace: { type: 'string' },
    samples: { type: 'boolean', default: false },
  },
});
const rttMs = Number(values.rtt);
const now = (): number => performance.timeOrigin + performance.now();

type ServerEvent = { at: number; what: string };
const events: ServerEvent[] = [];
let tracing = false;
const note = (what: string): void => {
  if (tracing) events.push({ at: now(), what });
};

// Server side: page handler start and end (inside the think-time delay wrapper), stream writes.
const handle = StaticSite.prototype.handle;
StaticSite.prototype.handle = async function traced(this: StaticSite, request) {
  const page = request.path.endsWith('/') || request.path.endsWith('.html');
  if (!page) return handle.call(this, request);
  note(`page handler starts ${request.path}`);
  const response = await handle.call(this, request);
  note(`page handler returns ${request.path}`);
  return response;
};
const write = Http2ServerResponse.prototype.write;
Http2ServerResponse.prototype.write = function tracedWrite(this: Http2ServerResponse, chunk: unknown, ...rest: unknown[]) {
  const type = String(this.stream?.sentHeaders?.['content-type'] ?? '');
  if (/push-stream/.test(type)) note(`stream write ${(chunk as Uint8Array).byteLength ?? String(chunk).length} B`);
  return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
};
const end = Http2ServerResponse.prototype.end;
Http2ServerResponse.prototype.end = function tracedEnd(this: Http2ServerResponse, ...args: unknown[]) {
  note(`response end ${this.req?.url ?? ''} (${String(this.stream?.sentHeaders?.['content-type'] ?? '')})`);
  return (end as (...a: unknown[]) => unknown).apply(this, args) as Http2ServerResponse;
};

const READ = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const pick = (e, keys) => Object.fromEntries(keys.map((k) => [k, Math.round(e[k])]));
  return {
    timeOrigin: performance.timeOrigin,
    nav: pick(nav, ['startTime', 'workerStart', 'fetchStart', 'connectStart', 'connectEnd', 'requestStart', 'responseStart', 'responseEnd', 'domInteractive', 'domContentLoadedEventStart', 'loadEventStart']),
    resources: performance.getEntriesByType('resource').filter((e) => new URL(e.name).origin === location.origin)
      .map((e) => ({ path: new URL(e.name).pathname, start: Math.round(e.startTime), workerStart: Math.round(e.workerStart), end: Math.round(e.responseEnd), transfer: e.transferSize, router: [e.workerMatchedSourceType, e.workerFinalSourceType, Math.round(e.workerRouterEvaluationStart ?? -1), Math.round(e.workerCacheLookupStart ?? -1)] })),
  };
})()`;

const summary: Array<{ strategy: string; loadMs: number; ttfbMs: number }> = [];
const environment = await E2eEnvironment.create({ rttMs });
try {
  await environment.buildCodeDeploys();
  for (const name of values.strategies.split(',')) {
    const strategy = strategyNamed(name);
    for (let run = 1; run <= Number(values.runs); run += 1) {
      const lab = await LatencyLab.start({
        url: environment.origin,
        emulator: environment.proxy,
        spki: [environment.spki],
        serviceWorkers: strategy.serviceWorker ? 'allow' : 'block',
      });
      try {
        await lab.newProfile();
        environment.proxy.rttMs = 0;
        // The benchmark's journey before think-time, at RTT 0: cold, warm (twice: the worker takes over), the three deploys.
        const versions: Array<'v1' | 'v2' | 'v3' | 'v4'> = ['v1', 'v1', 'v1', 'v2', 'v3', 'v4'];
        for (const version of versions) {
          await environment.serve(version, strategy.serverMode, { workbox: strategy.workbox === true });
          await lab.prepare('returning'); // connections dropped: the emulator sends new ones to the deploy's server
          await lab.load('/');
          await lab.page.waitForFunction(`document.documentElement.dataset.demoReady === 'true'`, null, { timeout: 60_000 });
          await lab.settle();
        }
        await environment.serve('v5', strategy.serverMode, { workbox: strategy.workbox === true, pageDelayMs: Number(values.think) });
        environment.proxy.rttMs = rttMs;
        if (Number(values.mbit) > 0) environment.proxy.bandwidthBytesPerSecond = Number(values.mbit) * 125_000;
        await lab.prepare('returning');
        events.length = 0;
        const chrome = values.trace ? await ChromeTrace.start(lab.context, lab.page, values.samples) : undefined;
        tracing = true;
        const metrics = await lab.load('/', 'returning');
        tracing = false;
        if (chrome) {
          const file = `${values.trace}/${name}-${run}.json`;
          const trace = await chrome.stop(file);
          console.log(`  chrome trace: ${file}`);
          for (const line of trace.busy(metrics.loadMs)) console.log(`    ${line}`);
        }
        environment.proxy.bandwidthBytesPerSecond = undefined;
        // A visit that did not render (or never got ready) is not one to report a time for.
        await lab.page.waitForFunction(`document.documentElement.dataset.demoReady === 'true'`, null, { timeout: 60_000 });
        const failure = renderFailure((await lab.page.evaluate('window.__demo.render')) as RenderCheckResult);
        if (failure) throw new Error(`${name} run ${run}: the page did not render correctly (${failure})`);
        const page = (await lab.page.evaluate(READ)) as {
          timeOrigin: number;
          nav: Record<string, number>;
          resources: Array<{ path: string; start: number; workerStart: number; end: number; transfer: number; router: unknown[] }>;
        };
        const rel = (at: number): number => Math.round(at - page.timeOrigin);
        summary.push({ strategy: name, loadMs: metrics.loadMs, ttfbMs: metrics.ttfbMs });
        console.log(`\n== ${name} run ${run}: load ${Math.round(metrics.loadMs)} ms, TTFB ${Math.round(metrics.ttfbMs)} ms (RTT ${rttMs})`);
        console.log(`  browser navigation: ${JSON.stringify(page.nav)}`);
        let streamBytes = 0;
        for (const event of events) {
          const bytes = /stream write (\d+) B/.exec(event.what);
          if (bytes) {
            streamBytes += Number(bytes[1]);
            continue;
          }
          console.log(`  server +${rel(event.at)} ms ${event.what}${streamBytes ? ` (stream bytes written so far: ${streamBytes})` : ''}`);
        }
        const writes = events.filter((event) => event.what.startsWith('stream write'));
        if (writes.length > 0) {
          console.log(`  server stream writes: first +${rel(writes[0]!.at)} ms, last +${rel(writes.at(-1)!.at)} ms, ${writes.length} writes, ${streamBytes} B`);
        }
        const changed = page.resources.filter((r) => r.transfer > 0 || metrics.resources.find((m) => m.path === r.path)?.source !== 'http-cache');
        const ends = page.resources.map((r) => r.end).sort((a, b) => a - b);
        console.log(`  assets: ${page.resources.length}, first start ${Math.min(...page.resources.map((r) => r.start))}, ends ${ends[0]}..${ends.at(-1)} ms`);
        for (const r of changed.slice(0, 12)) {
          const source = metrics.resources.find((m) => m.path === r.path)?.source;
          console.log(`    ${r.path} ${source} start ${r.start} workerStart ${r.workerStart} end ${r.end} transfer ${r.transfer} router ${JSON.stringify(r.router)}`);
        }
      } finally {
        await lab.close();
      }
    }
  }
} finally {
  await environment.close();
}
for (const name of values.strategies.split(',')) {
  const mine = summary.filter((entry) => entry.strategy === name);
  if (mine.length === 0) continue;
  const med = (list: number[]): number => Math.round([...list].sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)]!);
  console.log(
    `${name}: median load ${med(mine.map((e) => e.loadMs))} ms, TTFB ${med(mine.map((e) => e.ttfbMs))} ms, after first byte ` +
      `${med(mine.map((e) => e.loadMs - e.ttfbMs))} ms (${mine.length} runs; loads ${mine.map((e) => Math.round(e.loadMs)).join(', ')})`,
  );
}
