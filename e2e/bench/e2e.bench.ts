// `npm run bench:e2e`: page load times of the demo in Debian's Chromium (and a
// Node HTTP/2 client for real push) through the round-trip emulator.
//   --rtt 100          emulated round-trip time(s) in ms, comma-separated (e.g. 20,100,300)
//   --runs 5           runs per cell (medians are reported)
//   --strategies ...   subset of baseline,hints,stream-all,digest,h2-push
//   --scenarios ...    subset of cold,warm,deploy
//   --bandwidth N      cap in bytes per second each way (default: none)
//   --out DIR          where latest.json, latest.md and the charts go (default e2e/results)
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEPLOY_CHANGED_IMAGES } from '../src/harness/build-demo-site.ts';
import { E2eEnvironment } from '../src/harness/e2e-environment.ts';
import { CHROMIUM_PATH } from '../src/harness/launch-chromium.ts';
import { runScenario } from '../src/harness/run-scenario.ts';
import { SCENARIOS, STRATEGIES, strategyNamed, type ScenarioName } from '../src/harness/strategies.ts';
import type { VisitMeasurement } from '../src/harness/visit-measurement.ts';
import { checkTargets } from '../src/report/check-targets.ts';
import { markdownReport } from '../src/report/markdown-table.ts';
import type { BenchResults, CellResult } from '../src/report/results-schema.ts';
import { summariseRuns } from '../src/report/summarise-runs.ts';
import { loadTimeChart } from '../src/report/svg-chart.ts';

const { values } = parseArgs({
  options: {
    rtt: { type: 'string', default: '100' },
    runs: { type: 'string', default: '5' },
    strategies: { type: 'string', default: STRATEGIES.map((s) => s.name).join(',') },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    bandwidth: { type: 'string' },
    out: { type: 'string', default: fileURLToPath(new URL('../results', import.meta.url)) },
  },
});

const rtts = values.rtt.split(',').map(Number);
const runs = Number(values.runs);
const strategies = values.strategies.split(',').map(strategyNamed);
const scenarios = values.scenarios.split(',') as ScenarioName[];
const bandwidth = values.bandwidth ? Number(values.bandwidth) : undefined;
if (rtts.some((rtt) => !(rtt >= 0 && rtt <= 2000)) || !(runs >= 1 && runs <= 50)) {
  throw new Error('--rtt must be 0-2000 ms and --runs 1-50');
}
for (const scenario of scenarios) if (!SCENARIOS.includes(scenario)) throw new Error(`unknown scenario "${scenario}"`);
if (bandwidth !== undefined && !(bandwidth > 0)) throw new Error('--bandwidth must be a positive number of bytes per second');

const cells: CellResult[] = [];
const started = Date.now();
for (const rttMs of rtts) {
  const environment = await E2eEnvironment.create({
    rttMs,
    ...(bandwidth ? { bandwidthBytesPerSecond: bandwidth } : {}),
    log: (line) => console.log(line),
  });
  try {
    const visits = new Map<string, VisitMeasurement[]>();
    // Runs interleave the strategies, so a noisy moment of the machine spreads over all of them.
    for (let run = 1; run <= runs; run += 1) {
      for (const scenario of scenarios) {
        for (const strategy of strategies) {
          const key = `${scenario}/${strategy.name}`;
          let visit: VisitMeasurement | undefined;
          for (let attempt = 1; attempt <= 2 && !visit; attempt += 1) {
            try {
              visit = await runScenario(environment, strategy, scenario);
            } catch (error) {
              console.log(`  ${key} run ${run} attempt ${attempt} failed: ${(error as Error).message.split('\n')[0]}`);
            }
          }
          if (!visit) continue;
          visits.set(key, [...(visits.get(key) ?? []), visit]);
          console.log(
            `RTT ${rttMs} run ${run}/${runs} ${key.padEnd(20)} load ${Math.round(visit.loadMs)} ms, ` +
              `${visit.deliveredAssets.length} assets sent, ${visit.redundantBytes} B twice, ${visit.summary ?? ''}`,
          );
        }
      }
    }
    for (const scenario of scenarios) {
      for (const strategy of strategies) {
        const list = visits.get(`${scenario}/${strategy.name}`);
        if (list && list.length > 0) cells.push(summariseRuns({ rttMs, scenario, strategy: strategy.name }, list));
      }
    }
  } finally {
    await environment.close();
  }
}

const results: BenchResults = {
  schemaVersion: 1,
  generatedAt: new Date().toISOString(),
  command: `npm run bench:e2e -- ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    node: process.versions.node,
    chromium: chromiumVersion(),
    cpus: os.cpus().length,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  },
  settings: {
    rttMs: rtts,
    runs,
    bandwidthBytesPerSecond: bandwidth ?? null,
    page: '/',
    deployChangedAssets: DEPLOY_CHANGED_IMAGES,
  },
  results: cells,
  targets: rtts.includes(100) ? checkTargets(cells, { rttMs: 100, bandwidthBytesPerSecond: bandwidth ?? null }) : [],
};

const outDir = path.resolve(values.out);
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
const markdown = markdownReport(results);
await writeFile(path.join(outDir, 'latest.md'), markdown);
for (const rttMs of rtts) {
  for (const scenario of scenarios) {
    const scenarioCells = cells.filter((cell) => cell.rttMs === rttMs && cell.scenario === scenario);
    if (scenarioCells.length === 0) continue;
    const chart = loadTimeChart(`${scenario} visit, RTT ${rttMs} ms`, scenarioCells);
    await writeFile(path.join(outDir, `chart-${scenario}-rtt${rttMs}.svg`), chart);
  }
}
console.log(`\n${markdown}`);
console.log(`wrote ${path.relative(process.cwd(), outDir) || '.'}/latest.json, latest.md and charts in ${Math.round((Date.now() - started) / 1000)} s`);

function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
