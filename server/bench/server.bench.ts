// npm run bench:server — what digest handling costs a page request.
// h2load (nghttp2-client) sends the same page request carrying a
// 1,000-entry Cache-Digest to one server with digest handling on and to
// the same server with it off (mode off), in alternating rounds; prints a
// table (requests/s, p99 latency, ratio) and writes bench/results/server.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { hashKeyNode } from '@cache-digest/shared/node';
import { createCacheDigestServer, type CacheDigestServer } from '../src/adapters/create-cache-digest-server.ts';
import type { DeliveryMode } from '../src/core/types.ts';
import { buildManifest } from '../src/manifest/index.ts';
import { StaticSite } from '../src/static/index.ts';
import { ensureDevCertificate } from '../src/tls/index.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = path.join(REPO, 'bench', 'results', 'server.json');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
const CLIENTS = 8;
const STREAMS_PER_CLIENT = 4;
const DIGEST_ENTRIES = 1000;
const AUTHORITY_HOST = '127.0.0.1';

interface Scenario {
  name: string;
  mode: DeliveryMode;
  /** Page assets the digest holds (the rest of the 1,000 entries are other URLs). */
  held: 'all' | 'half';
  /** Parsed-digest cache entries (0: decode the header on every request). */
  digestCacheSize?: number;
  description: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'off', mode: 'off', held: 'all', description: 'digest handling off (mode off), same request' },
  { name: 'digest', mode: 'auto', held: 'all', description: 'mode auto: 1,000-entry digest (parsed-digest cache on, as shipped), 20 assets looked up, all held' },
  { name: 'uncached', mode: 'auto', held: 'all', digestCacheSize: 0, description: 'as digest, but the header is decoded on every request (cache off)' },
  { name: 'links', mode: 'links', held: 'half', description: 'mode links: 10 of 20 held, 20 filtered Link headers' },
];

/** A page with 20 assets of every kind. */
async function createBenchSite(root: string): Promise<void> {
  const tags: string[] = [];
  const write = async (name: string, bytes: string | Uint8Array) => {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), bytes);
  };
  for (let i = 0; i < 4; i++) {
    await write(`assets/style-${i}.css`, `.c${i} { color: #${(i * 123456).toString(16).padStart(6, '0')}; }\n`.repeat(200));
    tags.push(`<link rel="stylesheet" href="/assets/style-${i}.css">`);
  }
  for (let i = 0; i < 8; i++) {
    await write(`assets/app-${i}.js`, `export const v${i} = ${i};\n` + `console.log(${i});\n`.repeat(300));
    tags.push(`<script type="module" src="/assets/app-${i}.js"></script>`);
  }
  for (let i = 0; i < 2; i++) {
    await write(`fonts/f-${i}.woff2`, new Uint8Array(20_000).map((_, j) => (j * (i + 3)) & 0xff));
    await write(`assets/fonts-${i}.css`, `@font-face { font-family: f${i}; src: url(/fonts/f-${i}.woff2); }\n`);
    tags.push(`<link rel="stylesheet" href="/assets/fonts-${i}.css">`);
  }
  for (let i = 0; i < 4; i++) {
    await write(`img/i-${i}.png`, new Uint8Array(8_000).map((_, j) => (j * (i + 7)) & 0xff));
    tags.push(`<img src="/img/i-${i}.png" alt="">`);
  }
  await write('index.html', `<!doctype html><html><head><title>bench</title>\n${tags.join('\n')}\n</head><body>${'<p>text</p>\n'.repeat(200)}</body></html>\n`);
}

function digestHeader(origin: string, pageAssets: string[], held: 'all' | 'half'): string {
  const urls = (held === 'all' ? pageAssets : pageAssets.filter((_, i) => i % 2 === 0)).map((url) => origin + url);
  for (let i = 0; urls.length < DIGEST_ENTRIES; i++) urls.push(`${origin}/other/${i.toString(36)}-${((i * 2654435761) >>> 0).toString(16)}.js`);
  return formatCacheDigestHeader([{ digest: encodeDigest(urls, { hash: hashKeyNode }), complete: true }]);
}

interface Round {
  scenario: string;
  round: number;
  requestsPerSecond: number;
  p99Ms: number;
  p50Ms: number;
  /** Server CPU (user + system) per request: far less sensitive than req/s to other load on a shared machine. */
  cpuMicrosPerRequest: number;
  succeeded: number;
  failed: number;
}

async function runH2load(url: string, digest: string, logFile: string, requests = REQUESTS): Promise<Omit<Round, 'scenario' | 'round'>> {
  const cpuBefore = process.cpuUsage();
  const args = ['-n', String(requests), '-c', String(CLIENTS), '-m', String(STREAMS_PER_CLIENT), '-t', '1', '-H', `cache-digest: ${digest}`, '--log-file', logFile, url];
  const child = spawn('h2load', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const cpu = process.cpuUsage(cpuBefore);
  if (code !== 0) throw new Error(`h2load failed (${code}):\n${output}`);
  const rps = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(output);
  const counts = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(output);
  if (!rps || !counts) throw new Error(`cannot read h2load output:\n${output}`);
  const durations = readFileSync(logFile, 'utf8')
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((cols) => cols[1] === '200')
    .map((cols) => Number(cols[2]))
    .sort((a, b) => a - b);
  const quantile = (q: number) => (durations.length === 0 ? NaN : durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]! / 1000);
  const succeeded = Number(counts[1]);
  return {
    requestsPerSecond: Number(rps[1]),
    p99Ms: quantile(0.99),
    p50Ms: quantile(0.5),
    cpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, succeeded),
    succeeded,
    failed: Number(counts[2]),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const version = spawnSync('h2load', ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version) throw new Error('h2load is missing: apt-get install -y nghttp2-client');
  const work = await mkdtemp(path.join(tmpdir(), 'cache-digest-bench-'));
  const servers: CacheDigestServer[] = [];
  try {
    const root = path.join(work, 'site');
    await createBenchSite(root);
    const manifest = await buildManifest(root);
    const pageAssets = manifest.pages['/index.html']!.map((asset) => asset.url);
    const cert = await ensureDevCertificate(path.join(work, 'certs'));
    const targets: { scenario: Scenario; url: string; digest: string }[] = [];
    for (const scenario of SCENARIOS) {
      const instance = createCacheDigestServer({ site: new StaticSite({ root }), cert: cert.cert, key: cert.key, pages: manifest.pages, mode: scenario.mode, log: false, ...(scenario.digestCacheSize === undefined ? {} : { digestCacheSize: scenario.digestCacheSize }) });
      servers.push(instance);
      await new Promise<void>((resolve) => instance.server.listen(0, AUTHORITY_HOST, resolve));
      const port = (instance.server.address() as AddressInfo).port;
      const origin = `https://${AUTHORITY_HOST}:${port}`;
      targets.push({ scenario, url: `${origin}/`, digest: digestHeader(origin, pageAssets, scenario.held) });
    }
    console.log(`${version}; ${pageAssets.length} assets on the page; digest of ${DIGEST_ENTRIES} entries (${targets[0]!.digest.length} header characters)`);
    console.log(`${ROUNDS} alternating rounds of ${REQUESTS} requests per scenario, ${CLIENTS} connections x ${STREAMS_PER_CLIENT} streams, 1 h2load thread\n`);

    // Warm-up: JIT, file caches, TLS session setup paths.
    for (const target of targets) await runH2load(target.url, target.digest, path.join(work, `warm-${target.scenario.name}.log`), 3000);

    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? targets : [...targets].reverse();
      for (const target of order) {
        const result = await runH2load(target.url, target.digest, path.join(work, `h2load-${target.scenario.name}-${round}.log`));
        rounds.push({ scenario: target.scenario.name, round, ...result });
        console.log(
          `round ${round}  ${target.scenario.name.padEnd(9)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  cpu ${result.cpuMicrosPerRequest.toFixed(0)} µs/req  failed ${result.failed}`,
        );
      }
    }

    // Ratios are taken per round (runs of one round are adjacent in time), then the median over rounds.
    const table = SCENARIOS.map((scenario) => {
      const mine = rounds.filter((row) => row.scenario === scenario.name);
      const ratios = mine.map((row) => {
        const off = rounds.find((other) => other.scenario === 'off' && other.round === row.round)!;
        return { throughput: row.requestsPerSecond / off.requestsPerSecond, cpu: row.cpuMicrosPerRequest / off.cpuMicrosPerRequest };
      });
      const throughputRatio = median(ratios.map((ratio) => ratio.throughput));
      const cpuRatio = median(ratios.map((ratio) => ratio.cpu));
      return {
        scenario: scenario.name,
        description: scenario.description,
        medianRequestsPerSecond: median(mine.map((row) => row.requestsPerSecond)),
        medianP50Ms: median(mine.map((row) => row.p50Ms)),
        medianP99Ms: median(mine.map((row) => row.p99Ms)),
        medianCpuMicrosPerRequest: median(mine.map((row) => row.cpuMicrosPerRequest)),
        throughputRatio,
        throughputCostPercent: (1 - throughputRatio) * 100,
        cpuRatio,
        // A CPU-bound server's throughput is 1 / CPU per request.
        cpuThroughputCostPercent: (1 - 1 / cpuRatio) * 100,
      };
    });
    console.log('\nscenario    req/s  p50 ms  p99 ms  cpu µs/req  req/s vs off  cost (req/s)  cost (cpu)');
    for (const row of table) {
      console.log(
        [
          row.scenario.padEnd(9),
          row.medianRequestsPerSecond.toFixed(0).padStart(7),
          row.medianP50Ms.toFixed(2).padStart(7),
          row.medianP99Ms.toFixed(2).padStart(7),
          row.medianCpuMicrosPerRequest.toFixed(0).padStart(11),
          row.throughputRatio.toFixed(3).padStart(13),
          `${row.throughputCostPercent.toFixed(1)}%`.padStart(13),
          `${row.cpuThroughputCostPercent.toFixed(1)}%`.padStart(11),
        ].join(' '),
      );
    }
    const digestRow = table.find((row) => row.scenario === 'digest')!;
    const target = digestRow.throughputCostPercent < 5;
    console.log(
      `\ntarget (digest handling costs < 5% throughput): ${target ? 'met' : 'NOT met'} by req/s (${digestRow.throughputCostPercent.toFixed(1)}%); by server CPU per request: ${digestRow.cpuThroughputCostPercent.toFixed(1)}%`,
    );

    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(
      RESULTS,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          command: 'npm run bench:server',
          node: process.version,
          h2load: version,
          settings: { rounds: ROUNDS, requestsPerRun: REQUESTS, clients: CLIENTS, streamsPerClient: STREAMS_PER_CLIENT, digestEntries: DIGEST_ENTRIES, pageAssets: pageAssets.length },
          summary: table,
          targetMet: target,
          rounds,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`wrote ${path.relative(REPO, RESULTS)}`);
  } finally {
    for (const server of servers) await server.shutdown(500);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
