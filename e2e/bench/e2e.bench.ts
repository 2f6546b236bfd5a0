// `npm run bench:e2e`: page load times of the demo in Debian's Chromium (and a
// Node HTTP/2 client for real push) through the round-trip emulator, for two
// visit models (returning visitor, the headline; fresh browser launch).
//   --profile 20,100,300,300-5mbit   network profiles: RTT in ms, optionally a cap each way
//   --runs 7            journeys per (profile, model, strategy); medians are reported
//   --floor-runs 3      journeys at RTT 0 per (cap, model, strategy), the floor of "extra round trips"
//   --models ...        subset of returning,fresh-launch
//   --strategies ...    subset of baseline,hints,workbox,stream-all,digest,h2-push
//   --scenarios ...     subset of cold,warm,deploy-images,deploy-js,deploy-css,think-time
//   --quick             RTT 100 ms only, 1 run; fresh launch for baseline and digest only,
//                       the floor for baseline, workbox and digest only (under 5 min on a quiet machine)
//   --edge h3           instead: the edge profile (HTTP/3 via Caddy vs HTTP/2 via Caddy), e2e/src/edge-h3; it takes
//                       --profile as one RTT (default 100), --runs, --floor-runs, --quick; a list or cap is refused
//   --out DIR           where latest.json, latest.md and the charts go (default e2e/results)
//   --dry-run           print the plan and its time estimate, run nothing
// --model, --strategy and --scenario are accepted for the plural forms.
// The quiet final run (about 20-25 min on a quiet machine; `--dry-run` prints the estimate):
//   npm run bench:e2e -- --runs 7 --floor-runs 3 --models returning --strategies baseline,workbox,digest \
//     --scenarios warm,deploy-images,deploy-js,deploy-css,think-time --profile 20,100,300,300-5mbit
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBenchJourney, type BenchModel } from '../src/harness/bench-journey.ts';
import { DEPLOY_CHANGED_IMAGES } from '../src/harness/build-demo-site.ts';
import { E2eEnvironment } from '../src/harness/e2e-environment.ts';
import { CHROMIUM_PATH } from '../src/harness/launch-chromium.ts';
import { SCENARIOS, STRATEGIES, strategyNamed, type ScenarioName, type Strategy } from '../src/harness/strategies.ts';
import type { VisitMeasurement } from '../src/harness/visit-measurement.ts';
import { checkTargets } from '../src/report/check-targets.ts';
import { chartFileName, markdownReport, profileLabel, WATERFALL_SCENARIOS, waterfallFileName } from '../src/report/markdown-table.ts';
import { median } from '../src/report/median.ts';
import type { BenchResults, CellResult, NetworkProfile } from '../src/report/results-schema.ts';
import { summariseRuns } from '../src/report/summarise-runs.ts';
import { loadTimeChart } from '../src/report/svg-chart.ts';
import { waterfallChart } from '../src/report/waterfall-chart.ts';
import { estimateRunSeconds, formatDuration, type JourneyPlan } from '../src/report/estimate-run.ts';

const MODELS: readonly BenchModel[] = ['returning', 'fresh-launch'];
const QUICK_SECOND_MODEL: readonly string[] = ['baseline', 'digest'];
/** --quick: the second model's table is read for these scenarios only (a relaunch per measured visit is slow). */
const QUICK_SECOND_MODEL_SCENARIOS: readonly ScenarioName[] = ['warm', 'deploy-js'];
const QUICK_FLOOR: readonly string[] = ['baseline', 'workbox', 'digest'];

const { values } = parseArgs({
  options: {
    profile: { type: 'string' }, // default below: --edge h3 has its own
    runs: { type: 'string', default: '7' },
    'floor-runs': { type: 'string' },
    models: { type: 'string', default: MODELS.join(',') },
    strategies: { type: 'string', default: STRATEGIES.map((s) => s.name).join(',') },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    quick: { type: 'boolean', default: false },
    edge: { type: 'string' },
    out: { type: 'string', default: fileURLToPath(new URL('../results', import.meta.url)) },
    'dry-run': { type: 'boolean', default: false },
    model: { type: 'string' },
    strategy: { type: 'string' },
    scenario: { type: 'string' },
  },
});
values.models = values.model ?? values.models;
values.strategies = values.strategy ?? values.strategies;
values.scenarios = values.scenario ?? values.scenarios;

if (values.edge !== undefined) {
  // --edge h3: the edge profile (e2e/src/edge-h3) instead of the strategy matrix.
  const { runEdgeProfile } = await import('../src/edge-h3/edge-profile-cli.ts');
  await runEdgeProfile(values.edge, values);
  process.exit(0);
}

const profiles = (values.quick ? '100' : (values.profile ?? '20,100,300,300-5mbit')).split(',').map(parseProfile);
const runs = values.quick ? 1 : Number(values.runs);
const floorRuns = values.quick ? 1 : Number(values['floor-runs'] ?? Math.min(3, runs));
const models = values.models.split(',') as BenchModel[];
const strategies = values.strategies.split(',').map(strategyNamed);
const scenarios = values.scenarios.split(',') as ScenarioName[];
if (!(runs >= 1 && runs <= 50) || !(floorRuns >= 0 && floorRuns <= 50)) throw new Error('--runs must be 1-50 and --floor-runs 0-50');
for (const model of models) if (!MODELS.includes(model)) throw new Error(`unknown model "${model}" (one of ${MODELS.join(', ')})`);
for (const scenario of scenarios) if (!SCENARIOS.includes(scenario)) throw new Error(`unknown scenario "${scenario}"`);

type Journey = { model: BenchModel; strategy: Strategy; scenarios: readonly ScenarioName[] };
/** The (model, strategy) journeys to run: h2-push's Node client opens a connection per visit, so one model is enough for it. */
const journeys: Journey[] = models.flatMap((model, index) =>
  strategies
    .filter((strategy) => strategy.client === 'chromium' || index === 0)
    .map((strategy) => ({
      model,
      strategy,
      scenarios: values.quick && index > 0 ? scenarios.filter((scenario) => QUICK_SECOND_MODEL_SCENARIOS.includes(scenario)) : scenarios,
    }))
    // --quick: the second model only for the two strategies its table is read for.
    .filter(({ strategy, scenarios: measured }) => measured.length > 0 && (!values.quick || index === 0 || QUICK_SECOND_MODEL.includes(strategy.name))),
);
/** The journeys measured at RTT 0 for the floor of "extra round trips" (--quick: the ones the targets name). */
const floorJourneys: Journey[] = values.quick
  ? journeys.filter(({ model, strategy }) => model === journeys[0]!.model && QUICK_FLOOR.includes(strategy.name))
  : journeys;

const plan = { profiles, runs, floorRuns, journeys: journeys.map(planOf), floorJourneys: floorJourneys.map(planOf) };
const estimate = estimateRunSeconds(plan);
console.log(
  `plan: ${journeys.length} journeys x ${runs} run(s) x ${profiles.length} profile(s), floor ${floorJourneys.length} x ${floorRuns} per cap; ` +
    `estimate ${formatDuration(estimate.totalSeconds)} on a quiet 2-core machine (${estimate.detail})`,
);
if (values['dry-run']) process.exit(0);

const started = Date.now();
const loadAtStart = os.loadavg();
const phases: Array<{ name: string; seconds: number }> = [];
/** Runs one phase of the benchmark and notes its wall time. */
async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await work();
  } finally {
    phases.push({ name, seconds: (Date.now() - start) / 1000 });
  }
}
const environment = await phase('build v1, v2 (or reuse the build cache)', () =>
  E2eEnvironment.create({ rttMs: 0, log: (line) => console.log(line) }),
);
const cells: CellResult[] = [];
try {
  console.log('building the code deploys (v3: deepest module, v4: + stylesheet and font, v5: deepest module again)');
  await phase('build v3-v5 and Workbox copies (or reuse the build cache)', () =>
    environment.buildCodeDeploys({ workbox: journeys.some(({ strategy }) => strategy.workbox === true) }),
  );
  const floors = new Map<string, { afterFirstByteMs: number; loadMs: number }>(); // `${cap}/${model}/${scenario}/${strategy}`
  for (const profile of profiles) {
    environment.proxy.bandwidthBytesPerSecond = profile.bandwidthBytesPerSecond ?? undefined;
    const cap = String(profile.bandwidthBytesPerSecond ?? 'none');
    if (floorRuns > 0 && floorJourneys.length > 0 && !floors.has(`${cap}/${floorJourneys[0]!.model}/${scenarios[0]}/${floorJourneys[0]!.strategy.name}`)) {
      environment.proxy.rttMs = 0;
      const label = `floor (RTT 0${profile.bandwidthBytesPerSecond ? ', capped' : ''})`;
      const floorVisits = await phase(label, () => runJourneys(floorRuns, label, floorJourneys));
      for (const [key, visits] of floorVisits) {
        floors.set(`${cap}/${key}`, {
          afterFirstByteMs: median(visits.map((visit) => visit.loadMs - visit.ttfbMs)),
          loadMs: median(visits.map((visit) => visit.loadMs)),
        });
      }
    }
    environment.proxy.rttMs = profile.rttMs;
    const measured = await phase(profileLabel(profile.name), () => runJourneys(runs, profileLabel(profile.name), journeys));
    for (const { model, strategy } of journeys) {
      for (const scenario of scenarios) {
        const key = `${model}/${scenario}/${strategy.name}`;
        const list = measured.get(key);
        if (!list || list.length === 0) continue;
        cells.push(
          summariseRuns(
            { rttMs: profile.rttMs, scenario, strategy: strategy.name, model, profile: profile.name },
            list,
            floors.get(`${cap}/${key}`)?.afterFirstByteMs ?? null,
            floors.get(`${cap}/${key}`)?.loadMs ?? null,
          ),
        );
      }
    }
  }
} finally {
  await environment.close();
}
const wallSeconds = (Date.now() - started) / 1000;
const loadAtEnd = os.loadavg();

const results: BenchResults = {
  schemaVersion: 2,
  generatedAt: new Date().toISOString(),
  command: `npm run bench:e2e -- ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    node: process.versions.node,
    chromium: chromiumVersion(),
    cpus: os.cpus().length,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: loadAtStart.map(round2), end: loadAtEnd.map(round2) },
  },
  wallSeconds: Math.round(wallSeconds),
  phases: phases.map(({ name, seconds }) => ({ name, seconds: Math.round(seconds) })),
  settings: { profiles, models, runs, floorRuns, page: '/', deployChangedAssets: DEPLOY_CHANGED_IMAGES },
  results: cells,
  targets: checkTargets(cells),
};

const outDir = path.resolve(values.out);
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
const markdown = markdownReport(results);
await writeFile(path.join(outDir, 'latest.md'), markdown);
for (const model of models) {
  for (const profile of profiles) {
    for (const scenario of scenarios) {
      const scenarioCells = cells.filter((cell) => cell.model === model && cell.profile === profile.name && cell.scenario === scenario);
      if (scenarioCells.length === 0) continue;
      const chart = loadTimeChart(`${scenario}, ${profileLabel(profile.name)}, ${model === 'returning' ? 'returning visitor' : 'fresh browser launch'}`, scenarioCells);
      await writeFile(path.join(outDir, chartFileName(model, scenario, profile.name)), chart);
    }
    for (const scenario of WATERFALL_SCENARIOS) {
      const drawn = cells.filter((cell) => cell.model === 'returning' && cell.profile === profile.name && cell.scenario === scenario && cell.runs[0]?.waterfall);
      if (model === 'returning' && drawn.length > 0) {
        await writeFile(path.join(outDir, waterfallFileName(profile.name, scenario)), waterfallChart(`${scenario}, ${profileLabel(profile.name)}, returning visitor`, drawn));
      }
    }
  }
}
console.log(`\n${markdown}`);
console.log(`wrote ${path.relative(process.cwd(), outDir) || '.'}/latest.json, latest.md and charts`);
for (const { name, seconds } of phases) console.log(`  ${name}: ${formatDuration(seconds)}`);
console.log(
  `wall time ${formatDuration(wallSeconds)} (estimate was ${formatDuration(estimate.totalSeconds)}); load average ${loadAtStart.map(round2).join(' ')} at the start, ` +
    `${loadAtEnd.map(round2).join(' ')} at the end (1/5/15 min, ${os.cpus().length} CPUs)`,
);

/** `runs` rounds of every journey, interleaved so a noisy moment of the machine spreads over all strategies. */
async function runJourneys(count: number, label: string, list: readonly Journey[]): Promise<Map<string, VisitMeasurement[]>> {
  const visits = new Map<string, VisitMeasurement[]>();
  for (let run = 1; run <= count; run += 1) {
    for (const { model, strategy, scenarios } of list) {
      const journeyStart = Date.now();
      let journey: Awaited<ReturnType<typeof runBenchJourney>> | undefined;
      for (let attempt = 1; attempt <= 2 && !journey; attempt += 1) {
        try {
          journey = await runBenchJourney(environment, strategy, model, scenarios);
        } catch (error) {
          console.log(`  ${label} ${model}/${strategy.name} run ${run} attempt ${attempt} failed: ${(error as Error).message.split('\n')[0]}`);
        }
      }
      if (!journey) continue;
      const figures: string[] = [];
      for (const scenario of scenarios) {
        const visit = journey[scenario];
        if (!visit) continue;
        const key = `${model}/${scenario}/${strategy.name}`;
        visits.set(key, [...(visits.get(key) ?? []), visit]);
        figures.push(`${scenario} ${Math.round(visit.loadMs)}`);
      }
      console.log(`${label} run ${run}/${count} ${model}/${strategy.name}: ${figures.join(', ')} ms (${((Date.now() - journeyStart) / 1000).toFixed(1)} s)`);
    }
  }
  return visits;
}

function planOf({ model, strategy, scenarios }: Journey): JourneyPlan {
  return { model, client: strategy.client, serviceWorker: strategy.serviceWorker, measuredScenarios: scenarios.length };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function parseProfile(text: string): NetworkProfile {
  const match = /^(\d+)(?:-(\d+(?:\.\d+)?)mbit)?$/.exec(text.trim());
  if (!match || Number(match[1]) > 2000) throw new Error(`--profile: "${text}" is not RTT[-Nmbit] (e.g. 100 or 300-5mbit)`);
  return { name: text.trim(), rttMs: Number(match[1]), bandwidthBytesPerSecond: match[2] ? Math.round((Number(match[2]) * 1e6) / 8) : null };
}

function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
