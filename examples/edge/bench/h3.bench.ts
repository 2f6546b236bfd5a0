// `npm run bench:h3`: a returning visitor's page in real Chromium at an
// emulated RTT, over HTTP/3 through Caddy (QUIC, 0-RTT when Chromium resumes)
// against HTTP/2 straight from the kit's Node server over TCP. Both profiles
// hold the site in their Service Worker; before each measured visit every
// connection is closed once the network is quiet (chrome://net-internals
// "Flush socket pools", and the emulators forget their flows) and the worker
// is stopped, as for a user who comes back after a while. Prints a table,
// writes bench/results/h3.{json,md} (h3-rtt<N>.{json,md} at another RTT).
// `npm run bench:e2e -- --edge h3` is the fuller profile (a deploy, fresh
// profiles, both paths through Caddy, Chromium's NetLog).
//   RTT=100 RUNS=7 npm run bench:h3      DIST=path/to/site (default: the demo, built if missing)
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevCertificate, parseSummaryHeader, startServer } from '@cache-digest/server';
import { startDelayProxy, startUdpDelayRelay, type UdpDelayRelayStats } from '@cache-digest/playwright';
import { startCaddy } from '../start-caddy.ts';
import { readAccessLog } from '../test-support/read-access-log.ts';
import { EdgeVisitor } from '../../../e2e/src/edge-h3/edge-visitor.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const rttMs = Number(process.env['RTT'] ?? '100');
const runs = Number(process.env['RUNS'] ?? '7');

interface Visit {
  run: number;
  ttfbMs: number;
  loadMs: number;
  summary: string;
  /** HTTP/3 only: what the UDP relay saw (0-RTT packets, Initial datagrams, flows). */
  quic?: Pick<UdpDelayRelayStats, 'flows' | 'initialsUp' | 'zeroRttUp' | 'initialsResent' | 'datagramsUp' | 'datagramsDown' | 'firstAnswer'>;
  /** HTTP/3 only: the protocol Caddy logged for the page request. */
  edgeProto?: string;
  /**
   * HTTP/3 only: ms from the visit's first datagram leaving the browser to the page request reaching Caddy,
   * less the one-way delay: about 0 when the request rode in 0-RTT, about one RTT when the server refused
   * 0-RTT (or the flight was resent) and the request waited for the handshake.
   */
  requestWaitMs?: number;
}

async function siteRoot(): Promise<string> {
  if (process.env['DIST']) return path.resolve(process.env['DIST']);
  const dist = path.join(repoRoot, 'e2e', 'demo', 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) {
    console.log('Building the demo site (vite build)…');
    const { build } = await import('vite');
    await build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });
  }
  return dist;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-bench-h3-'));
const root = await siteRoot();
const certs = await ensureDevCertificate(path.join(workDir, 'certs'));
const kit = await startServer({ root, certDir: path.join(workDir, 'certs'), log: false });
const caddy = await startCaddy({ kitPort: kit.port, certPath: certs.certPath, keyPath: certs.keyPath, kitCaPath: certs.caPath, stateDir: path.join(workDir, 'caddy') });
const relay = await startUdpDelayRelay({ targetHost: '127.0.0.1', targetPort: caddy.port, rttMs });
const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: kit.port, rttMs });
const h3Url = `https://localhost:${relay.port}/`;
// Anything crossing either emulator: the visitor closes connections only once this stops growing.
const traffic = (): number => relay.stats().datagramsUp + relay.stats().datagramsDown + proxy.stats().bytesUp + proxy.stats().bytesDown;
const h2Url = `https://localhost:${proxy.port}/`;
const h3 = await EdgeVisitor.launch(path.join(workDir, 'profile-h3'), [`--origin-to-force-quic-on=localhost:${relay.port}`, `--ignore-certificate-errors-spki-list=${certs.spki}`]);
const h2 = await EdgeVisitor.launch(path.join(workDir, 'profile-h2'), ['--disable-quic', `--ignore-certificate-errors-spki-list=${certs.spki}`]);

const results: { h3: Visit[]; h2: Visit[] } = { h3: [], h2: [] };
try {
  console.log(`Priming both profiles (RTT ${rttMs} ms)…`);
  await h3.prime(h3Url);
  await h2.prime(h2Url);
  for (let run = 1; run <= runs; run++) {
    // Alternate which goes first so drift on a shared machine hits both alike.
    const order = run % 2 ? (['h3', 'h2'] as const) : (['h2', 'h3'] as const);
    for (const name of order) {
      if (name === 'h3') {
        await h3.comeBackLater(traffic);
        relay.dropFlows();
        relay.resetStats();
        const visit = await h3.load(h3Url);
        const { flows, initialsUp, zeroRttUp, initialsResent, datagramsUp, datagramsDown, firstUpAt, firstAnswer } = relay.stats();
        const entry = readAccessLog(caddy.log()).filter((line) => line.uri === '/').at(-1);
        const requestWaitMs = entry && firstUpAt ? Math.round(entry.receivedAt - firstUpAt - rttMs / 2) : undefined;
        results.h3.push({ run, ...visit, quic: { flows, initialsUp, zeroRttUp, initialsResent, datagramsUp, datagramsDown, firstAnswer }, edgeProto: entry?.proto ?? '', ...(requestWaitMs === undefined ? {} : { requestWaitMs }) });
      } else {
        await h2.comeBackLater(traffic);
        proxy.dropConnections();
        const visit = await h2.load(h2Url);
        results.h2.push({ run, ...visit });
      }
    }
    const last = (list: Visit[]) => list.at(-1)!;
    console.log(`run ${run}: h3 ttfb ${last(results.h3).ttfbMs.toFixed(0)} ms load ${last(results.h3).loadMs.toFixed(0)} ms (0-RTT datagrams ${last(results.h3).quic!.zeroRttUp}, first flight resent ${last(results.h3).quic!.initialsResent}, request waited ${last(results.h3).requestWaitMs ?? '?'} ms at the edge, first answer ${last(results.h3).quic!.firstAnswer}); h2 ttfb ${last(results.h2).ttfbMs.toFixed(0)} ms load ${last(results.h2).loadMs.toFixed(0)} ms`);
  }
} finally {
  await Promise.all([h3.close(), h2.close()]);
  await relay.close();
  await proxy.close();
  await caddy.close();
  await kit.close();
  await rm(workDir, { recursive: true, force: true });
}

const row = (name: string, visits: Visit[]) => {
  const ttfb = median(visits.map((visit) => visit.ttfbMs));
  const load = median(visits.map((visit) => visit.loadMs));
  return { name, runs: visits.length, ttfbMs: Math.round(ttfb), ttfbRtt: +(ttfb / rttMs).toFixed(2), loadMs: Math.round(load), loadRtt: +(load / rttMs).toFixed(2) };
};
const rows = [row('HTTP/3 via Caddy (QUIC, 0-RTT when resumed)', results.h3), row('HTTP/2 from the kit over TCP (TLS 1.3)', results.h2)];
const zeroRttShare = results.h3.filter((visit) => (visit.quic?.zeroRttUp ?? 0) > 0).length / Math.max(results.h3.length, 1);
// The request reached Caddy within half an RTT of the first flight: the server took it from 0-RTT.
const acceptedShare = results.h3.filter((visit) => visit.requestWaitMs !== undefined && visit.requestWaitMs < rttMs / 2).length / Math.max(results.h3.length, 1);
const resentShare = results.h3.filter((visit) => (visit.quic?.initialsResent ?? 0) > 0).length / Math.max(results.h3.length, 1);
const summaries = [...new Set([...results.h3, ...results.h2].map((visit) => parseSummaryHeader(visit.summary)?.mode ?? 'none'))];

const lines = [
  `# Returning visitor, RTT ${rttMs} ms, connections closed and worker stopped before each visit (${runs} runs, medians)`,
  '',
  '| path | runs | first byte ms | (RTT) | load ms | (RTT) |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${r.runs} | ${r.ttfbMs} | ${r.ttfbRtt} | ${r.loadMs} | ${r.loadRtt} |`),
  '',
  `HTTP/3 visits whose request left as 0-RTT: ${(zeroRttShare * 100).toFixed(0)}%; whose request Caddy received with the first flight (0-RTT accepted): ${(acceptedShare * 100).toFixed(0)}%; whose first flight was partly resent before the server's handshake came back (quic-go before 0.35 drops half of a two-datagram ClientHello): ${(resentShare * 100).toFixed(0)}%.`,
  `First server answer per visit: ${results.h3.map((visit) => visit.quic?.firstAnswer || '-').join(', ')}.`,
  `Edge protocol logged by Caddy: ${[...new Set(results.h3.map((visit) => visit.edgeProto))].join(', ')}; delivery modes: ${summaries.join(', ')}.`,
];
console.log(`\n${lines.join('\n')}`);
const outDir = path.join(repoRoot, 'bench', 'results');
await mkdir(outDir, { recursive: true });
// The default RTT writes h3.*; another writes h3-rtt<N>.* beside it.
const base = rttMs === 100 ? 'h3' : `h3-rtt${rttMs}`;
await writeFile(path.join(outDir, `${base}.json`), `${JSON.stringify({ rttMs, runs, rows, zeroRttShare, acceptedShare, resentShare, visits: results }, null, 2)}\n`);
await writeFile(path.join(outDir, `${base}.md`), `${lines.join('\n')}\n`);
console.log(`\nwrote bench/results/${base}.json and ${base}.md`);
