// `npm run bench:e2e`: page load times of the demo in Debian's Chromium (and a
// Node HTTP/2 client for real push) through the round-trip emulator, for two
// visit models (returning visitor, the headline; fresh browser launch).
//   --profile 20,100,300,300-5mbit   network profiles: RTT in ms, optionally a cap each way
//   --runs 7            journeys per (profile, model, strategy); medians are reported
//   --floor-runs 3      journeys at RTT 0 per (cap, model, strategy), the floor of "extra round trips"
//   --models ...        subset of returning,fresh-launch
//   --strategies ...    subset of baseline,hints,workbox,stream-all,digest,h2-push
//   --scenarios ...     subset of cold,warm,deploy-images,deploy-js,deploy-css,think-time
//   --fresh-profile, --fresh-runs, --fresh-floor-runs, --fresh-strategies, --fresh-scenarios
//                       the fresh-launch model's own matrix (each defaults to the flag without "fresh-"; the
//                       floor runs to the smaller of --floor-runs and --fresh-runs): a relaunch per measured
//                       visit is slow, so its second table is usually read on fewer cells
//   --quick             RTT 100 ms only, 1 run; fresh launch for baseline and digest on warm and deploy-js only,
//                       the floor for baseline, workbox and digest of the headline model only (under 5 min on a quiet machine)
//   --edge h3           instead: the edge profile (HTTP/3 via Caddy vs HTTP/2 via Caddy), e2e/src/edge-h3; it takes
//                       --profile as one RTT (default 100), --runs, --floor-runs, --quick; a list or cap is refused,
//                       and so are the matrix's flags (--models, --strategies, --scenarios, --fresh-*)
//   --out DIR           where latest.json, latest.md and the charts go (default e2e/results)
//   --dry-run           print the plan and its time estimate, run nothing
// --model, --strategy and --scenario are accepted for the plural forms.
// The quiet final run (about 22 min on a quiet machine; `--dry-run` prints the estimate): both models,
// the fresh launch on a smaller matrix (warm and deploy-js at RTT 100, 3 runs):
//   npm run bench:e2e -- --runs 7 --floor-runs 3 --strategies baseline,workbox,digest \
//     --scenarios warm,deploy-images,deploy-js,deploy-css,think-time --profile 20,100,300,300-5mbit \
//     --fresh-profile 100 --fresh-runs 3 --fresh-floor-runs 1 --fresh-strategies baseline,digest --fresh-scenarios warm,deploy-js
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
import type { BenchResults, CellResult, NetworkProfile, RunShortfall } from '../src/report/results-schema.ts';
import { summariseRuns } from '../src/report/summarise-runs.ts';
import { loadTimeChart } from '../src/report/svg-chart.ts';
import { waterfallChart } from '../src/report/waterfall-chart.ts';
import { estimateRunSeconds, formatDuration, type JourneyPlan } from '../src/report/estimate-run.ts';

const MODELS: readonly BenchModel[] = ['returning', 'fresh-launch'];
/** --quick: the second model's table is read for these strategies and scenarios only (a relaunch per measured visit is slow). */
const QUICK_SECOND_MODEL: readonly string[] = ['baseline', 'digest'];
const QUICK_SECOND_MODEL_SCENARIOS: readonly ScenarioName[] = ['warm', 'deploy-js'];
const QUICK_FLOOR: readonly string[] = ['baseline', 'workbox', 'digest'];
/** Flags of the strategy matrix only: `--edge` refuses them rather than ignore them. */
const MATRIX_FLAGS = ['models', 'strategies', 'scenarios', 'model', 'strategy', 'scenario', 'fresh-profile', 'fresh-runs', 'fresh-floor-runs', 'fresh-strategies', 'fresh-scenarios'] as const;

const { values } = parseArgs({
  options: {
    profile: { type: 'string' }, // default below: --edge h3 has its own
    runs: { type: 'string', default: '7' },
    'floor-runs': { type: 'string' },
    // No defaults for the matrix's own flags: --edge must see whether they were given.
    models: { type: 'string' },
    strategies: { type: 'string' },
    scenarios: { type: 'string' },
    'fresh-profile': { type: 'string' },
    'fresh-runs': { type: 'string' },
    'fresh-floor-runs': { type: 'string' },
    'fresh-strategies': { type: 'string' },
    'fresh-scenarios': { type: 'string' },
    quick: { type: 'boolean', default: false },
    edge: { type: 'string' },
    out: { type: 'string', default: fileURLToPath(new URL('../results', import.meta.url)) },
    'dry-run': { type: 'boolean', default: false },
    model: { type: 'string' },
    strategy: { type: 'string' },
    scenario: { type: 'string' },
  },
});

if (values.edge !== undefined) {
  // --edge h3: the edge profile (e2e/src/edge-h3) instead of the strategy matrix.
  const { runEdgeProfile, EdgeProfileUsageError } = await import('../src/edge-h3/edge-profile-cli.ts');
  try {
    await runEdgeProfile(values.edge, { ...values, matrixFlags: MATRIX_FLAGS.filter((name) => values[name] !== undefined) });
  } catch (error) {
    if (error instanceof EdgeProfileUsageError) usage(error.message);
    throw error;
  }
  process.exit(0);
}

type Journey = { model: BenchModel; strategy: Strategy; scenarios: readonly ScenarioName[] };
/** One visit model's part of the run: its profiles, run counts and journeys (the fresh launch may have a smaller matrix). */
interface ModelLeg {
  model: BenchModel;
  profiles: NetworkProfile[];
  runs: number;
  floorRuns: number;
  journeys: Journey[];
  /** The journeys measured at RTT 0 for the floor of "extra round trips". */
  floorJourneys: Journey[];
}

const models = (values.model ?? values.models ?? MODELS.join(',')).split(',') as BenchModel[];
for (const model of models) if (!MODELS.includes(model)) usage(`unknown model "${model}" (one of ${MODELS.join(', ')})`);
const freshGiven = MATRIX_FLAGS.filter((name) => name.startsWith('fresh-') && values[name] !== undefined);
if (freshGiven.length > 0 && !models.includes('fresh-launch')) usage(`${freshGiven.map((name) => `--${name}`).join(', ')} set the fresh-launch model's matrix, but --models leaves it out`);
const legs: ModelLeg[] = models.map((model, index) => {
  // The --fresh-* flags, for the fresh-launch model; the plain ones otherwise (and as their defaults).
  const flag = (name: 'profile' | 'runs' | 'strategies' | 'scenarios'): string | undefined =>
    (model === 'fresh-launch' ? values[`fresh-${name}`] : undefined) ??
    (name === 'strategies' ? values.strategy : name === 'scenarios' ? values.scenario : undefined) ??
    values[name];
  const secondary = index > 0;
  const profiles = (values.quick ? '100' : (flag('profile') ?? '20,100,300,300-5mbit')).split(',').map(parseProfile);
  const fresh = model === 'fresh-launch';
  const runs = values.quick ? 1 : whole(flag('runs') ?? '7', 1, fresh && values['fresh-runs'] !== undefined ? '--fresh-runs' : '--runs');
  const floorGiven = values['floor-runs'] === undefined ? undefined : whole(values['floor-runs'], 0, '--floor-runs');
  const floorRuns = values.quick
    ? secondary ? 0 : 1
    : fresh && values['fresh-floor-runs'] !== undefined
      ? whole(values['fresh-floor-runs'], 0, '--fresh-floor-runs')
      : fresh && values['fresh-runs'] !== undefined
        ? Math.min(floorGiven ?? 3, runs)
        : (floorGiven ?? Math.min(3, runs));
  let strategies = (flag('strategies') ?? STRATEGIES.map((s) => s.name).join(',')).split(',').map((name) => {
    if (!STRATEGIES.some((s) => s.name === name)) usage(`unknown strategy "${name}" (one of ${STRATEGIES.map((s) => s.name).join(', ')})`);
    return strategyNamed(name);
  });
  let scenarios = (flag('scenarios') ?? SCENARIOS.join(',')).split(',') as ScenarioName[];
  for (const scenario of scenarios) if (!SCENARIOS.includes(scenario)) usage(`unknown scenario "${scenario}" (one of ${SCENARIOS.join(', ')})`);
  // h2-push's Node client opens a connection per visit: one model is enough for it.
  if (secondary) strategies = strategies.filter((strategy) => strategy.client === 'chromium');
  if (values.quick && secondary) {
    strategies = strategies.filter((strategy) => QUICK_SECOND_MODEL.includes(strategy.name));
    scenarios = scenarios.filter((scenario) => QUICK_SECOND_MODEL_SCENARIOS.includes(scenario));
  }
  const journeys = scenarios.length === 0 ? [] : strategies.map((strategy) => ({ model, strategy, scenarios }));
  const floorJourneys = values.quick ? journeys.filter(({ strategy }) => QUICK_FLOOR.includes(strategy.name)) : journeys;
  return { model, profiles, runs, floorRuns, journeys, floorJourneys };
});
const journeys = legs.flatMap((leg) => leg.journeys);
/** Every profile measured, in order of first mention (a model measures those of its own list). */
const profiles = [...new Map(legs.flatMap((leg) => leg.profiles).map((profile) => [profile.name, profile])).values()];
const scenarios = SCENARIOS.filter((scenario) => journeys.some((journey) => journey.scenarios.includes(scenario)));

const estimate = estimateRunSeconds(
  legs.map((leg) => ({ profiles: leg.profiles, runs: leg.runs, floorRuns: leg.floorRuns, journeys: leg.journeys.map(planOf), floorJourneys: leg.floorJourneys.map(planOf) })),
);
for (const leg of legs) {
  console.log(
    `plan ${leg.model}: ${leg.journeys.length} journeys (${leg.journeys.map((journey) => journey.strategy.name).join(', ')}; ` +
      `${leg.journeys[0]?.scenarios.join(', ') ?? 'no scenario'}) x ${leg.runs} run(s) x ${leg.profiles.length} profile(s) (${leg.profiles.map((p) => p.name).join(', ')}), ` +
      `floor ${leg.floorJourneys.length} x ${leg.floorRuns} per cap`,
  );
}
console.log(`estimate ${formatDuration(estimate.totalSeconds)} on a quiet 2-core machine (${estimate.detail})`);
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
const shortfalls: RunShortfall[] = [];
try {
  console.log('building the code deploys (v3: deepest module, v4: + stylesheet and font, v5: deepest module again)');
  await phase('build v3-v5 and Workbox copies (or reuse the build cache)', () =>
    environment.buildCodeDeploys({ workbox: journeys.some(({ strategy }) => strategy.workbox === true) }),
  );
  // `${cap}/${model}/${scenario}/${strategy}`: medians over `runs` of the `asked` floor journeys (failed ones are not counted).
  const floors = new Map<string, { afterFirstByteMs: number; loadMs: number; runs: number; asked: number }>();
  const floored = new Set<string>(); // `${cap}/${model}/${strategy}`: journeys whose floor at that cap is measured
  for (const profile of profiles) {
    environment.proxy.bandwidthBytesPerSecond = profile.bandwidthBytesPerSecond ?? undefined;
    const cap = String(profile.bandwidthBytesPerSecond ?? 'none');
    const here = legs.filter((leg) => leg.profiles.some(({ name }) => name === profile.name));
    const floorRounds = here.flatMap((leg) =>
      leg.floorJourneys.filter(({ model, strategy }) => !floored.has(`${cap}/${model}/${strategy.name}`)).map((journey) => ({ ...journey, runs: leg.floorRuns })),
    ).filter(({ runs }) => runs > 0);
    for (const { model, strategy } of floorRounds) floored.add(`${cap}/${model}/${strategy.name}`);
    if (floorRounds.length > 0) {
      environment.proxy.rttMs = 0;
      const floorModels = models.length > 1 ? `; ${[...new Set(floorRounds.map(({ model }) => model))].join(', ')}` : '';
      const label = `floor (RTT 0${profile.bandwidthBytesPerSecond ? ', capped' : ''}${floorModels})`;
      const floorVisits = await phase(label, () => runJourneys(label, floorRounds));
      for (const { model, strategy, scenarios: floorScenarios, runs } of floorRounds) {
        for (const scenario of floorScenarios) {
          const key = `${model}/${scenario}/${strategy.name}`;
          const visits = floorVisits.get(key) ?? [];
          if (visits.length < runs) console.log(`  floor ${cap} ${key}: ${visits.length} of ${runs} run(s) succeeded`);
          if (visits.length === 0) continue;
          floors.set(`${cap}/${key}`, {
            afterFirstByteMs: median(visits.map((visit) => visit.loadMs - visit.ttfbMs)),
            loadMs: median(visits.map((visit) => visit.loadMs)),
            runs: visits.length,
            asked: runs,
          });
        }
      }
    }
    environment.proxy.rttMs = profile.rttMs;
    const rounds = here.flatMap((leg) => leg.journeys.map((journey) => ({ ...journey, runs: leg.runs })));
    const measured = await phase(profileLabel(profile.name), () => runJourneys(profileLabel(profile.name), rounds));
    for (const { model, strategy, scenarios: measuredScenarios, runs } of rounds) {
      for (const scenario of measuredScenarios) {
        const key = `${model}/${scenario}/${strategy.name}`;
        const list = measured.get(key) ?? [];
        const floor = floors.get(`${cap}/${key}`);
        const leg = here.find((one) => one.model === model)!;
        const floorAsked = leg.floorJourneys.some((journey) => journey.strategy.name === strategy.name) ? leg.floorRuns : 0;
        // Said, not hidden: a cell (or its floor) over fewer runs than asked, or with none at all.
        if (list.length < runs || (floor?.runs ?? 0) < floorAsked) {
          shortfalls.push({ model, profile: profile.name, scenario, strategy: strategy.name, runs: list.length, runsAsked: runs, floorRuns: floor?.runs ?? 0, floorRunsAsked: floorAsked });
        }
        if (list.length === 0) continue;
        cells.push(
          summariseRuns(
            { rttMs: profile.rttMs, scenario, strategy: strategy.name, model, profile: profile.name },
            list,
            floor?.afterFirstByteMs ?? null,
            floor?.loadMs ?? null,
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
  settings: {
    profiles,
    models,
    runs: legs[0]!.runs,
    floorRuns: legs[0]!.floorRuns,
    perModel: legs.map((leg) => ({
      model: leg.model,
      profiles: leg.profiles.map((profile) => profile.name),
      runs: leg.runs,
      floorRuns: leg.floorRuns,
      strategies: leg.journeys.map((journey) => journey.strategy.name),
      scenarios: [...(leg.journeys[0]?.scenarios ?? [])],
    })),
    page: '/',
    deployChangedAssets: DEPLOY_CHANGED_IMAGES,
  },
  results: cells,
  shortfalls,
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
if (shortfalls.length > 0) console.log(`${shortfalls.length} cell(s) over fewer runs than asked (see "Fewer runs than asked" in latest.md)`);
console.log(`wrote ${path.relative(process.cwd(), outDir) || '.'}/latest.json, latest.md and charts`);
for (const { name, seconds } of phases) console.log(`  ${name}: ${formatDuration(seconds)}`);
console.log(
  `wall time ${formatDuration(wallSeconds)} (estimate was ${formatDuration(estimate.totalSeconds)}); load average ${loadAtStart.map(round2).join(' ')} at the start, ` +
    `${loadAtEnd.map(round2).join(' ')} at the end (1/5/15 min, ${os.cpus().length} CPUs)`,
);

/** Every journey `runs` times, the rounds interleaved so a noisy moment of the machine spreads over all strategies (and models). */
async function runJourneys(label: string, list: ReadonlyArray<Journey & { runs: number }>): Promise<Map<string, VisitMeasurement[]>> {
  const visits = new Map<string, VisitMeasurement[]>();
  const rounds = Math.max(0, ...list.map(({ runs }) => runs));
  for (let run = 1; run <= rounds; run += 1) {
    for (const { model, strategy, scenarios, runs } of list) {
      if (run > runs) continue;
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
      console.log(`${label} run ${run}/${runs} ${model}/${strategy.name}: ${figures.join(', ')} ms (${((Date.now() - journeyStart) / 1000).toFixed(1)} s)`);
    }
  }
  return visits;
}

function planOf({ model, strategy, scenarios }: Journey): JourneyPlan {
  // The journey goes as far as its last scenario; a worker's journey visits twice for warm (see bench-journey.ts).
  const last = Math.max(...scenarios.map((scenario) => SCENARIOS.indexOf(scenario)));
  const visits = last + 1 + (strategy.serviceWorker && last >= SCENARIOS.indexOf('warm') ? 1 : 0);
  return { model, client: strategy.client, serviceWorker: strategy.serviceWorker, measuredScenarios: scenarios.length, visits };
}

/** A usage mistake: said in one line, before anything starts. */
function usage(message: string): never {
  console.error(`bench:e2e: ${message}`);
  process.exit(2);
}

/** A whole number from a flag, min-50. */
function whole(text: string, min: number, name: string): number {
  const value = Number(text);
  if (!(Number.isInteger(value) && value >= min && value <= 50)) usage(`${name} must be a whole number ${min}-50, not "${text}"`);
  return value;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function parseProfile(text: string): NetworkProfile {
  const match = /^(\d+)(?:-(\d+(?:\.\d+)?)mbit)?$/.exec(text.trim());
  if (!match || Number(match[1]) > 2000) usage(`--profile: "${text}" is not RTT[-Nmbit] (e.g. 100 or 300-5mbit)`);
  return { name: text.trim(), rttMs: Number(match[1]), bandwidthBytesPerSecond: match[2] ? Math.round((Number(match[2]) * 1e6) / 8) : null };
}

function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
