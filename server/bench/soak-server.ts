// The server under test of `npm run soak`, in its own process so that its RSS and CPU are its own.
// argv[2]: JSON { root, certDir, mode?, digestCacheSize? }; prints {"port":N} once listening.
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createCacheDigestServer } from '../src/adapters/create-cache-digest-server.ts';
import type { DeliveryMode } from '../src/core/types.ts';
import type { ServerLimits } from '../src/adapters/server-limits.ts';
import { buildManifest } from '../src/manifest/index.ts';
import { StaticSite } from '../src/static/index.ts';
import { ensureDevCertificate } from '../src/tls/index.ts';

const config = JSON.parse(process.argv[2]!) as { root: string; certDir: string; mode?: DeliveryMode; digestCacheSize?: number; maxDigestHeaderLength?: number; limits?: ServerLimits };
const cert = await ensureDevCertificate(config.certDir);
const manifest = await buildManifest(config.root);
const instance = createCacheDigestServer({
  site: new StaticSite({ root: config.root }),
  cert: cert.cert,
  key: cert.key,
  pages: manifest.pages,
  mode: config.mode ?? 'auto',
  log: false,
  ...(config.digestCacheSize === undefined ? {} : { digestCacheSize: config.digestCacheSize }),
  ...(config.maxDigestHeaderLength === undefined ? {} : { maxDigestHeaderLength: config.maxDigestHeaderLength }),
  ...(config.limits ? { limits: config.limits } : {}),
});
await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ port: (instance.server.address() as AddressInfo).port })}\n`);
// SIGUSR2: a full GC (the soak starts this process with --expose-gc), for a diagnostic figure only:
// an idle server allocates nothing, so V8 never collects what stalled clients left behind.
process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
// Where a slow answer comes from: the event loop's longest delay and the longest GC pause of each second.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration);
}).observe({ entryTypes: ['gc'] });
// One line a second: the heap / external / RSS split, so the soak can tell where memory goes.
setInterval(() => {
  const m = process.memoryUsage();
  const stalls = { loopDelayMaxMs: Math.round(loop.max / 1e6), gcMaxMs: Math.round(gcMaxMs) };
  loop.reset();
  gcMaxMs = 0;
  process.stdout.write(`${JSON.stringify({ memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }, live: instance.live(), stalls })}\n`);
}, 1000).unref();
process.on('SIGTERM', () => void instance.shutdown(200).then(() => process.exit(0)));
