import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildDemoSite } from '../harness/build-demo-site.ts';
import { readAccessLog } from '../../../examples/edge/test-support/read-access-log.ts';
import { edgeMarkdown, summariseEdgeVisits, type EdgePath, type EdgeSummary, type EdgeVisit } from './edge-h3-report.ts';
import { startEdgeStack, type EdgeStack } from './edge-stack.ts';
import { EdgeVisitor } from './edge-visitor.ts';
import { readQuicNetLog } from './read-quic-netlog.ts';

/** Options of {@link runEdgeH3}. */
export interface RunEdgeH3Options {
  rttMs: number;
  /** Measured visits per path. */
  runs: number;
  /** Visits per path at RTT 0 (the floor of "extra round trips"). */
  floorRuns: number;
  /** Where edge-h3.json and edge-h3.md go. */
  outDir: string;
  log?: (line: string) => void;
}

/** Results written by {@link runEdgeH3}. */
export interface EdgeH3Results extends EdgeSummary {
  command: string;
  date: string;
  loadAverage: number[];
  visits: EdgeVisit[];
  floorVisits: EdgeVisit[];
}

/**
 * `bench:e2e --edge h3`: a returning visitor in Chromium after a JS deploy
 * (the deepest module changed), through Caddy in front of the kit (stream
 * mode), over HTTP/3 (QUIC forced, 0-RTT on resumption) and over HTTP/2 on
 * TCP; every connection closed and the worker stopped before the visit.
 * Each run primes a fresh profile on the old build, deploys, and measures.
 */
export async function runEdgeH3(options: RunEdgeH3Options): Promise<EdgeH3Results> {
  const log = options.log ?? (() => undefined);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'cache-digest-edge-h3-'));
  let stack: EdgeStack | undefined;
  try {
    log('building the demo (v1) and the JS deploy (deepest module changed)');
    const v1 = await buildDemoSite({ workDir, outDir: path.join(workDir, 'site-v1') });
    const deployJs = await buildDemoSite({ workDir, outDir: path.join(workDir, 'site-deploy-js'), codeChanges: ['js'] });
    stack = await startEdgeStack({ sites: { v1, 'deploy-js': deployJs }, rttMs: options.rttMs, workDir });
    const visit = async (edge: EdgeStack, pathName: EdgePath, run: number, rttMs: number): Promise<EdgeVisit> => {
      edge.relay.rttMs = rttMs;
      edge.proxy.rttMs = rttMs;
      return measure(edge, pathName, run, rttMs, path.join(workDir, `profile-${pathName}-${rttMs}-${run}`));
    };
    const floorVisits: EdgeVisit[] = [];
    for (let run = 1; run <= options.floorRuns; run++) {
      for (const pathName of order(run)) floorVisits.push(await visit(stack, pathName, run, 0));
      log(`floor run ${run}: ${floorVisits.slice(-2).map(line).join('; ')}`);
    }
    const visits: EdgeVisit[] = [];
    for (let run = 1; run <= options.runs; run++) {
      for (const pathName of order(run)) visits.push(await visit(stack, pathName, run, options.rttMs));
      log(`run ${run}: ${visits.slice(-2).map(line).join('; ')}`);
    }
    const summary = summariseEdgeVisits(options.rttMs, visits, floorVisits);
    const results: EdgeH3Results = {
      command: `npm run bench:e2e -- ${process.argv.slice(2).join(' ')}`.trim(),
      date: new Date().toISOString(),
      loadAverage: os.loadavg().map((value) => Math.round(value * 10) / 10),
      ...summary,
      visits,
      floorVisits,
    };
    const notes = [`Command: \`${results.command}\`; load average at the end ${results.loadAverage.join(', ')} (2 cores shared).`];
    const logged = visits.filter((visit) => visit.serverDroppedInitial !== undefined);
    if (logged.length > 0) {
      const dropped = logged.filter((visit) => visit.serverDroppedInitial);
      notes.push(`Caddy's quic-go debug log: part of the first flight dropped ("Not adding connection ID") in ${dropped.length} of ${logged.length} HTTP/3 visits, runs ${dropped.map((visit) => visit.run).join(', ') || 'none'}; first flight resent in runs ${logged.filter((visit) => visit.firstFlightResent).map((visit) => visit.run).join(', ') || 'none'}.`);
    }
    await mkdir(options.outDir, { recursive: true });
    await writeFile(path.join(options.outDir, 'edge-h3.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(options.outDir, 'edge-h3.md'), edgeMarkdown(summary, visits, notes));
    return results;
  } finally {
    await stack?.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Alternate which path goes first, so drift on a shared machine hits both alike. */
const order = (run: number): EdgePath[] => (run % 2 ? ['h3', 'h2'] : ['h2', 'h3']);

const line = (visit: EdgeVisit): string =>
  `${visit.path} first byte ${Math.round(visit.ttfbMs)} ms, load ${Math.round(visit.loadMs)} ms` +
  (visit.path === 'h3' ? ` (0-RTT sent ${visit.zeroRttSent ? 'yes' : 'no'}, request in 0-RTT ${visit.requestInZeroRtt ? 'yes' : 'no'}, first flight resent ${visit.firstFlightResent ? 'yes' : 'no'}, Chromium ${visit.zeroRttState || '?'}${visit.heldForConfirmation ? ', held for handshake' : ''})` : '');

/** One run of one path: a fresh profile primed on v1, the deploy, the visit after closing everything. */
async function measure(edge: EdgeStack, pathName: EdgePath, run: number, rttMs: number, profileDir: string): Promise<EdgeVisit> {
  const netLog = path.join(profileDir, 'netlog.json');
  const args = pathName === 'h3' ? [`--origin-to-force-quic-on=localhost:${edge.relay.port}`, `--log-net-log=${netLog}`] : ['--disable-quic'];
  const url = pathName === 'h3' ? edge.h3Url : edge.h2Url;
  edge.serve('v1');
  const visitor = await EdgeVisitor.launch(profileDir, [...args, `--ignore-certificate-errors-spki-list=${edge.spki}`]);
  let visit: EdgeVisit;
  let startedAt: number;
  try {
    await visitor.prime(url);
    edge.serve('deploy-js');
    await visitor.comeBackLater(() => edge.traffic());
    edge.relay.dropFlows();
    edge.relay.resetStats();
    edge.proxy.dropConnections();
    startedAt = Date.now();
    const timing = await visitor.load(url);
    visit = { path: pathName, run, rttMs, ...timing };
    if (pathName === 'h3') {
      const stats = edge.relay.stats();
      const entry = readAccessLog(edge.caddy.log()).filter((logged) => logged.uri === '/' && logged.receivedAt >= startedAt - 5).at(0);
      const requestWaitMs = entry && stats.firstUpAt ? Math.round(entry.receivedAt - stats.firstUpAt - rttMs / 2) : undefined;
      visit.zeroRttSent = stats.zeroRttUp > 0;
      // At RTT 0 every request arrives at once: whether 0-RTT carried it cannot be told apart.
      if (rttMs > 0) visit.requestInZeroRtt = visit.zeroRttSent && requestWaitMs !== undefined && requestWaitMs < rttMs / 2;
      visit.firstFlightResent = stats.initialsResent > 0;
      if (requestWaitMs !== undefined) visit.requestWaitMs = requestWaitMs;
      // With QUIC_GO_LOG_LEVEL=debug in the environment (Caddy inherits it), quic-go logs the dropped half.
      if (process.env['QUIC_GO_LOG_LEVEL']?.toLowerCase() === 'debug') visit.serverDroppedInitial = droppedInitialSince(edge.caddy.log(), startedAt);
    }
  } finally {
    await visitor.close();
  }
  if (pathName === 'h3') {
    // The NetLog is complete once the browser has closed.
    const facts = await readQuicNetLog(netLog, edge.relay.port, startedAt - 50);
    if (facts) Object.assign(visit, { zeroRttState: facts.zeroRttState, heldForConfirmation: facts.requireConfirmation });
  }
  return visit;
}

/** Whether quic-go's debug log, since `sinceMs`, shows a first-flight datagram dropped for a connection being created (quic-go issue 3760). */
function droppedInitialSince(log: string, sinceMs: number): boolean {
  for (const text of log.split('\n')) {
    if (!text.includes('Not adding connection ID')) continue;
    try {
      if ((JSON.parse(text) as { ts?: number }).ts! * 1000 >= sinceMs - 5) return true;
    } catch {
      // Not a JSON line.
    }
  }
  return false;
}
