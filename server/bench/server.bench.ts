// npm run bench:server [-- --seconds 3 --rounds 1 --clients 20 --streams 10]
//
// The kit side by side with its ceiling, in one run: h2load (one thread)
// loads, one at a time and in alternating order per round,
//   h2o   H2O from Debian serving the folder, preload Links added as the
//         H2O parity test does (push of preloads off, so it sends Links only);
//   bare  a bare node:http2 server (stream API) answering from memory with
//         the exact headers and bytes the kit sends (captured from the kit
//         first): the ceiling for anything written on Node;
//   bare compat  the same on node:http2's compatibility API (req/res), which
//         the kit's adapter uses: what that API costs is Node's, not ours;
//   kit   `cache-digest serve` (StaticSite + middleware, default one-line
//         log) in each mode: off, hints, push, stream;
//   kit hints table only  the kit's request path alone (file table, core,
//         answerFromTable) on a bare node:http2 server: the gap from it to
//         the kit is the server's per-stream bookkeeping, from bare to it the path.
// Page requests carry a 1,000-entry digest. "Distinct digests": h2load sends
// one header set for a run, so distinct digests are measured with the kit's
// parsed-digest cache off (every request decodes and classifies its digest,
// which is the work a new digest costs); HPACK costs of a new 1.4 KB header
// per request are Node's (nghttp2) and would hit the bare server alike.
// Each server runs in a process of its own. Prints a table with ratios and
// writes bench/results/server.json and bench/results/server.svg.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { hashKeyNode } from '@cache-digest/shared/node';
import { orderAssets } from '../src/core/order-assets.ts';
import { preloadLink } from '../src/core/preload-link.ts';
import type { DeliveryMode } from '../src/core/types.ts';
import { buildManifest, type PushManifest } from '../src/manifest/index.ts';
import { ensureDevCertificate } from '../src/tls/index.ts';
import type { CapturedResponse, TargetConfig } from './bench-target.ts';
import { barChartSvg } from './bar-chart-svg.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = path.join(REPO, 'bench', 'results', 'server.json');
const CHART = path.join(REPO, 'bench', 'results', 'server.svg');
const TARGET_SCRIPT = fileURLToPath(new URL('./bench-target.ts', import.meta.url));
const H2O = '/usr/bin/h2o';
const DIGEST_ENTRIES = 1000;
const HOST = '127.0.0.1';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '3' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '1' },
    clients: { type: 'string', default: '20' },
    streams: { type: 'string', default: '10' },
    // Only the servers whose name contains this text (the bare server always runs: it is the reference).
    only: { type: 'string' },
    // Write a V8 CPU profile of each Node server into this folder (node --cpu-prof).
    profile: { type: 'string' },
  },
});
const SECONDS = Number(flags.seconds);
const ROUNDS = Number(flags.rounds);
const CLIENTS = Number(flags.clients);
const STREAMS = Number(flags.streams);

/** 12 assets: 4 stylesheets, 4 scripts, 4 images; the 3 scripts of a few KB are what stream mode finds missing. */
async function createBenchSite(root: string): Promise<{ missingInStream: string[] }> {
  const tags: string[] = [];
  const write = async (name: string, bytes: string | Uint8Array) => {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), bytes);
  };
  for (let i = 0; i < 4; i++) {
    await write(`assets/style-${i}.css`, `.c${i} { color: #${(i * 123456).toString(16).padStart(6, '0')}; }\n`.repeat(100));
    tags.push(`<link rel="stylesheet" href="/assets/style-${i}.css">`);
  }
  for (let i = 0; i < 4; i++) {
    await write(`assets/app-${i}.js`, `export const v${i} = ${i};\n` + `console.log(${i});\n`.repeat(250));
    tags.push(`<script type="module" src="/assets/app-${i}.js"></script>`);
  }
  for (let i = 0; i < 4; i++) {
    await write(`img/i-${i}.png`, new Uint8Array(8_000).map((_, j) => (j * (i + 7)) & 0xff));
    tags.push(`<img src="/img/i-${i}.png" alt="">`);
  }
  await write('index.html', `<!doctype html><html><head><title>bench</title>\n${tags.join('\n')}\n</head><body>${'<p>text</p>\n'.repeat(200)}</body></html>\n`);
  return { missingInStream: ['/assets/app-1.js', '/assets/app-2.js', '/assets/app-3.js'] };
}

function digestHeader(origin: string, held: string[]): string {
  const urls = held.map((url) => origin + url);
  for (let i = 0; urls.length < DIGEST_ENTRIES; i++) urls.push(`${origin}/other/${i.toString(36)}-${((i * 2654435761) >>> 0).toString(16)}.js`);
  return formatCacheDigestHeader([{ digest: encodeDigest(urls, { hash: hashKeyNode }), complete: true }]);
}

interface Load {
  requestsPerSecond: number;
  /** Server CPU time (user + system) per request: far less sensitive than req/s to other load on a shared machine. */
  cpuMicrosPerRequest: number;
  bytesPerSecond: number;
  succeeded: number;
  failed: number;
}

/** CPU time a process has used so far, in microseconds (Linux /proc; all threads). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

async function h2load(url: string, headers: Record<string, string>, pid: number): Promise<Load> {
  // Warm-up (JIT, caches, TLS) outside the measurement.
  await runH2load(['-n', '3000', '-c', String(CLIENTS), '-m', String(STREAMS), '-t', '1'], url, headers);
  const before = cpuMicros(pid);
  const load = await runH2load(['-D', String(SECONDS), '-c', String(CLIENTS), '-m', String(STREAMS), '-t', '1'], url, headers);
  return { ...load, cpuMicrosPerRequest: load.failed < 0 ? NaN : (cpuMicros(pid) - before) / Math.max(1, load.succeeded) };
}

async function runH2load(options: string[], url: string, headers: Record<string, string>): Promise<Omit<Load, 'cpuMicrosPerRequest'>> {
  const args = [...options];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const child = spawn('h2load', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A run that outlives its bound (h2load waits for every started request) is cut and reported, not waited for.
  const limitMs = Math.max(60, SECONDS * 20) * 1000;
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code === null) {
    console.log(`h2load did not finish within ${limitMs / 1000} s (requests left unanswered): run counted as failed`);
    return { requestsPerSecond: NaN, bytesPerSecond: NaN, succeeded: 0, failed: -1 };
  }
  if (code !== 0) throw new Error(`h2load failed (${code}):\n${output}`);
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s, ([\d.]+)([KMG]?)B\/s/.exec(output);
  const counts = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(output);
  if (!rate || !counts) throw new Error(`cannot read h2load output:\n${output}`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[rate[3] as '' | 'K' | 'M' | 'G'];
  return { requestsPerSecond: Number(rate[1]), bytesPerSecond: Number(rate[2]) * unit, succeeded: Number(counts[1]), failed: Number(counts[2]) };
}

interface Running {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startTarget(config: TargetConfig): Promise<Running> {
  const profile = flags.profile ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(flags.profile)] : [];
  const child = spawn(process.execPath, [...profile, '--conditions=source', '--import', 'tsx', TARGET_SCRIPT, JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe'], cwd: REPO });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /port (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`bench target exited with ${code}: ${text}`)));
  });
  return { port, pid: child.pid!, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startH2o(work: string, root: string, manifest: PushManifest): Promise<Running> {
  const links = orderAssets(manifest.pages['/index.html']!).map((asset) => preloadLink(asset, { forProxy: true })).join('\\n');
  const port = await freePort();
  const configPath = path.join(work, 'h2o.conf');
  await writeFile(
    configPath,
    `listen:
  port: ${port}
  host: ${HOST}
  ssl:
    certificate-file: ${path.join(work, 'leaf.crt')}
    key-file: ${path.join(work, 'leaf.key')}
    ocsp-update-interval: 0
error-log: ${path.join(work, 'h2o-error.log')}
http2-casper: OFF
http2-push-preload: OFF
num-threads: 1
hosts:
  default:
    paths:
      "/":
        mruby.handler: |
          Proc.new do |env|
            if env["PATH_INFO"] == "/" || env["PATH_INFO"] == "/index.html"
              [399, { "link" => "${links.replace(/"/g, '\\"')}" }, []]
            else
              [399, {}, []]
            end
          end
        file.dir: ${root}
`,
  );
  const child = spawn(H2O, ['-c', configPath], { stdio: ['ignore', 'ignore', 'ignore'] });
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, HOST, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return { port, pid: child.pid!, stop: () => stopChild(child) };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopChild(child);
  throw new Error('h2o did not start');
}

/** One GET through node:http2, keeping the final headers, the body and the links of any 103. */
async function capture(origin: string, pathName: string, headers: Record<string, string>): Promise<CapturedResponse> {
  const session = http2.connect(origin, { rejectUnauthorized: false });
  try {
    return await new Promise<CapturedResponse>((resolve, reject) => {
      const request = session.request({ ':path': pathName, ...headers });
      let earlyLinks: string[] | undefined;
      let final: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      request.on('headers', (early) => {
        if (early[':status'] === 103) earlyLinks = ([] as string[]).concat(early['link'] ?? []);
      });
      request.on('response', (response) => (final = response));
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const kept: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(final)) if (value !== undefined && name !== 'date') kept[name] = value as string | string[];
        resolve({ headers: kept, body: Buffer.concat(chunks).toString('base64'), ...(earlyLinks ? { earlyLinks } : {}) });
      });
      request.on('error', reject);
      request.end();
    });
  } finally {
    session.close();
  }
}

interface Row {
  server: string;
  request: string;
  round: number;
  load: Load;
}

const median = (values: number[]): number => {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const version = spawnSync('h2load', ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version) throw new Error('h2load is missing: apt-get install -y nghttp2-client');
  const hasH2o = spawnSync(H2O, ['--version']).status === 0;
  const work = await mkdtemp(path.join(tmpdir(), 'cache-digest-bench-'));
  await chmod(work, 0o755);
  const running: Running[] = [];
  try {
    const root = path.join(work, 'site');
    const { missingInStream } = await createBenchSite(root);
    const manifest = await buildManifest(root);
    const assets = manifest.pages['/index.html']!.map((asset) => asset.url);
    const heldInStream = assets.filter((url) => !missingInStream.includes(url));
    const cert = await ensureDevCertificate(path.join(work, 'certs'));
    await writeFile(path.join(work, 'leaf.crt'), cert.cert);
    await writeFile(path.join(work, 'leaf.key'), cert.key);
    const assetPath = '/assets/style-1.css';

    const kit = (mode: DeliveryMode, extra: Partial<Extract<TargetConfig, { kind: 'kit' }>> = {}): TargetConfig => ({ kind: 'kit', root, manifest, mode, log: 'summary', cert: cert.cert, key: cert.key, ...extra });
    // What each server answers: [request name, path, headers(origin)].
    type Request = { name: string; path: string; headers: (origin: string) => Record<string, string> };
    const page: Request = { name: 'page', path: '/', headers: (origin) => ({ 'cache-digest': digestHeader(origin, []) }) };
    const streamPage: Request = { name: 'stream page', path: '/', headers: (origin) => ({ 'cache-digest': digestHeader(origin, heldInStream), 'accept-push-stream': '1' }) };
    const asset: Request = { name: 'asset', path: assetPath, headers: () => ({ 'accept-encoding': 'identity' }) };
    const targets: { name: string; start: () => Promise<Running>; requests: Request[] }[] = [];

    // The bare server replays what the kit sends: captured once from a kit in hints and stream mode.
    const responses: Record<string, CapturedResponse> = {};
    {
      const hints = await startTarget(kit('hints'));
      const origin = `https://${HOST}:${hints.port}`;
      responses['/'] = await capture(origin, '/', page.headers(origin));
      responses[assetPath] = await capture(origin, assetPath, asset.headers(origin));
      await hints.stop();
      const stream = await startTarget(kit('stream'));
      const streamOrigin = `https://${HOST}:${stream.port}`;
      responses['/stream'] = await capture(streamOrigin, '/', streamPage.headers(streamOrigin));
      await stream.stop();
    }
    const responsesFile = path.join(work, 'responses.json');
    await writeFile(responsesFile, JSON.stringify(responses));
    const bareStreamPage: Request = { name: 'stream page', path: '/stream', headers: () => ({}) };

    if (hasH2o) targets.push({ name: 'h2o', start: () => startH2o(work, root, manifest), requests: [page, asset] });
    targets.push({ name: 'bare', start: () => startTarget({ kind: 'bare', responsesFile, cert: cert.cert, key: cert.key }), requests: [page, asset, bareStreamPage] });
    targets.push({ name: 'bare compat', start: () => startTarget({ kind: 'bare', api: 'compat', responsesFile, cert: cert.cert, key: cert.key }), requests: [page, asset] });
    targets.push({ name: 'kit off', start: () => startTarget(kit('off')), requests: [page, asset] });
    targets.push({ name: 'kit hints', start: () => startTarget(kit('hints')), requests: [page, asset] });
    targets.push({ name: 'kit hints table only', start: () => startTarget(kit('hints', { tableOnly: true })), requests: [page] });
    targets.push({ name: 'kit hints distinct', start: () => startTarget(kit('hints', { digestCacheSize: 0 })), requests: [page] });
    targets.push({ name: 'kit push', start: () => startTarget(kit('push')), requests: [page] });
    targets.push({ name: 'kit stream', start: () => startTarget(kit('stream')), requests: [streamPage] });
    targets.push({ name: 'kit stream distinct', start: () => startTarget(kit('stream', { digestCacheSize: 0 })), requests: [streamPage] });

    if (flags.only !== undefined) targets.splice(0, targets.length, ...targets.filter((target) => target.name.startsWith('bare') || target.name.includes(flags.only!)));
    const pageBytes = Buffer.from(responses['/']!.body, 'base64').byteLength;
    const streamBytes = Buffer.from(responses['/stream']!.body, 'base64').byteLength;
    console.log(`${version}; ${hasH2o ? 'h2o 2.2.5' : 'no h2o'}; node ${process.version}`);
    console.log(`page: ${assets.length} assets, ${pageBytes} B body, digest of ${DIGEST_ENTRIES} entries; stream page: ${missingInStream.length} missing assets, ${streamBytes} B body`);
    console.log(`${ROUNDS} round(s) x ${SECONDS} s per run (after 3,000 warm-up requests), ${CLIENTS} connections x ${STREAMS} streams, 1 h2load thread\n`);

    const rows: Row[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? targets : [...targets].reverse();
      for (const target of order) {
        const server = await target.start();
        running.push(server);
        const origin = `https://${HOST}:${server.port}`;
        for (const request of target.requests) {
          const load = await h2load(origin + request.path, request.headers(origin), server.pid);
          rows.push({ server: target.name, request: request.name, round, load });
          console.log(
            `round ${round}  ${target.name.padEnd(20)} ${request.name.padEnd(12)} ${load.requestsPerSecond.toFixed(0).padStart(7)} req/s ${(load.bytesPerSecond / 1024 ** 2).toFixed(1).padStart(7)} MiB/s ${load.cpuMicrosPerRequest.toFixed(0).padStart(6)} µs cpu/req  failed ${load.failed}`,
          );
        }
        await server.stop();
        running.splice(running.indexOf(server), 1);
      }
    }

    const figure = (server: string, request: string) => {
      const mine = rows.filter((row) => row.server === server && row.request === request);
      return {
        requestsPerSecond: median(mine.map((row) => row.load.requestsPerSecond)),
        bytesPerSecond: median(mine.map((row) => row.load.bytesPerSecond)),
        cpuMicrosPerRequest: median(mine.map((row) => row.load.cpuMicrosPerRequest)),
      };
    };
    // Two ratios per pair, each the median over rounds: req/s side by side, and capacity (the inverse ratio of
    // server CPU per request, what req/s would be with a CPU each; the steadier one on a shared machine).
    const ratio = (server: string, request: string, base: string, baseRequest = request) => {
      const throughput: number[] = [];
      const capacity: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const a = rows.find((row) => row.server === server && row.request === request && row.round === round);
        const b = rows.find((row) => row.server === base && row.request === baseRequest && row.round === round);
        if (!a || !b) continue;
        throughput.push(a.load.requestsPerSecond / b.load.requestsPerSecond);
        capacity.push(b.load.cpuMicrosPerRequest / a.load.cpuMicrosPerRequest);
      }
      return { throughput: median(throughput), capacity: median(capacity) };
    };
    const summary = [...new Set(rows.map((row) => `${row.server}\u0000${row.request}`))].map((key) => {
      const [server, request] = key.split('\u0000') as [string, string];
      return { server, request, ...figure(server, request), vsBare: ratio(server, request, 'bare') };
    });
    const fmt = (value: number, width: number) => (Number.isNaN(value) ? '' : value.toFixed(2)).padStart(width);
    console.log('\nserver               request        req/s    MiB/s  cpu µs/req  req/s vs bare  capacity vs bare');
    for (const row of summary) {
      console.log(
        `${row.server.padEnd(20)} ${row.request.padEnd(12)} ${row.requestsPerSecond.toFixed(0).padStart(8)} ${(row.bytesPerSecond / 1024 ** 2).toFixed(1).padStart(8)} ${row.cpuMicrosPerRequest.toFixed(0).padStart(11)} ${fmt(row.vsBare.throughput, 14)} ${fmt(row.vsBare.capacity, 17)}`,
      );
    }
    const targetsMet = {
      pageHintsVsBare: { ...ratio('kit hints', 'page', 'bare'), goal: 0.6 },
      assetVsBare: { ...ratio('kit hints', 'asset', 'bare'), goal: 0.7 },
      distinctVsSameDigest: { ...ratio('kit hints distinct', 'page', 'kit hints'), goal: 0.9 },
      streamVsBare: { ...ratio('kit stream', 'stream page', 'bare'), goal: undefined },
      streamDistinctVsSame: { ...ratio('kit stream distinct', 'stream page', 'kit stream'), goal: 0.9 },
      offPageVsBare: { ...ratio('kit off', 'page', 'bare'), goal: undefined },
      tableOnlyPageVsBare: { ...ratio('kit hints table only', 'page', 'bare'), goal: undefined },
      pageVsTableOnly: { ...ratio('kit hints', 'page', 'kit hints table only'), goal: undefined },
      compatPageVsBare: { ...ratio('bare compat', 'page', 'bare'), goal: undefined },
      compatAssetVsBare: { ...ratio('bare compat', 'asset', 'bare'), goal: undefined },
    };
    console.log('\nratio                  req/s  capacity  target');
    for (const [name, { throughput, capacity, goal }] of Object.entries(targetsMet)) {
      const verdict = goal === undefined ? '' : `>= ${goal}: ${throughput >= goal ? 'met' : 'not met'} by req/s, ${capacity >= goal ? 'met' : 'not met'} by capacity`;
      console.log(`${name.padEnd(22)} ${fmt(throughput, 5)} ${fmt(capacity, 9)}  ${verdict}`);
    }

    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(
      RESULTS,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          command: `npm run bench:server -- --seconds ${SECONDS} --rounds ${ROUNDS} --clients ${CLIENTS} --streams ${STREAMS}`,
          node: process.version,
          h2load: version,
          settings: { seconds: SECONDS, rounds: ROUNDS, clients: CLIENTS, streamsPerClient: STREAMS, digestEntries: DIGEST_ENTRIES, pageAssets: assets.length, pageBytes, streamPageBytes: streamBytes, missingInStream },
          summary,
          ratios: targetsMet,
          rows,
        },
        null,
        2,
      ) + '\n',
    );
    writeFileSync(
      CHART,
      barChartSvg({
        title: `Requests per second of server CPU (h2load -c ${CLIENTS} -m ${STREAMS}, ${ROUNDS} x ${SECONDS} s; grey: bare node:http2)`,
        bars: summary.map((row) => ({ label: `${row.server} · ${row.request}`, value: 1e6 / row.cpuMicrosPerRequest, highlight: row.server === 'bare' })),
      }),
    );
    console.log(`\nwrote ${path.relative(REPO, RESULTS)} and ${path.relative(REPO, CHART)}`);
  } finally {
    for (const server of running) await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
