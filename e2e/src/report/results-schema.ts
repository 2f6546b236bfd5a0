import type { BenchModel } from '../harness/bench-journey.ts';
import type { ScenarioName, StrategyName } from '../harness/strategies.ts';
import type { VisitMeasurement } from '../harness/visit-measurement.ts';

/** Medians over the runs of one (rtt, scenario, strategy) cell. Documented in e2e/README.md. */
export interface MedianFigures {
  loadMs: number;
  /** loadMs / rttMs. */
  loadRoundTrips: number;
  ttfbMs: number;
  /** loadMs - ttfbMs. */
  afterFirstByteMs: number;
  /**
   * (loadMs - ttfbMs - floor) / rttMs, floor being the median time after first
   * byte of the same (model, scenario, strategy) at RTT 0; null without a floor.
   */
  extraRoundTrips: number | null;
  bytesUp: number;
  bytesDown: number;
  connections: number;
  networkRequests: number;
  deliveredAssets: number;
  pushedAssets: number;
  deliveredBytes: number;
  redundantBytes: number;
  /** redundantBytes / pageBytes * 100. */
  redundantPercent: number;
  pageBytes: number;
}

/** One run's figures: a VisitMeasurement with the render check reduced to a yes/no. */
export interface RunFigures extends Omit<VisitMeasurement, 'render'> {
  renderedCorrectly: boolean | null;
}

/** A network profile of the benchmark. */
export interface NetworkProfile {
  /** `20`, `100`, `300`, `300-5mbit`. */
  name: string;
  rttMs: number;
  bandwidthBytesPerSecond: number | null;
}

/** One cell of the benchmark. */
export interface CellResult {
  /** The visit model (returning visitor, the headline, or fresh browser launch). */
  model: BenchModel;
  profile: string;
  rttMs: number;
  /** Median time after first byte at RTT 0 (same profile cap), when measured. */
  floorAfterFirstByteMs: number | null;
  /** Median load time at RTT 0 (same profile cap), when measured: the think-time target's "transfer" (see check-targets.ts). */
  floorLoadMs?: number | null;
  scenario: ScenarioName;
  strategy: StrategyName;
  median: MedianFigures;
  min: { loadMs: number };
  max: { loadMs: number };
  runs: RunFigures[];
}

/** A cell measured over fewer runs than asked (its journeys failed twice), or its floor over fewer: reported, not hidden. */
export interface RunShortfall {
  model: BenchModel;
  profile: string;
  scenario: ScenarioName;
  strategy: StrategyName;
  /** Runs its medians are over (0: the cell is missing from `results`), and runs asked for. */
  runs: number;
  runsAsked: number;
  /** The same for its RTT-0 floor (0 asked: no floor measured for it). */
  floorRuns: number;
  floorRunsAsked: number;
}

/** A target of the benchmark's issue, checked on the returning-visitor model. */
export interface TargetCheck {
  name: string;
  pass: boolean;
  detail: string;
}

/** What one visit model measured: `runs` and `floorRuns` per (profile, strategy), over these lists. */
export interface ModelSettings {
  model: BenchModel;
  /** Profile names, e.g. `100`, `300-5mbit`. */
  profiles: string[];
  runs: number;
  floorRuns: number;
  strategies: StrategyName[];
  scenarios: ScenarioName[];
}

/** The whole of e2e/results/latest.json. */
export interface BenchResults {
  schemaVersion: 2;
  generatedAt: string;
  command: string;
  machine: {
    node: string;
    chromium: string;
    cpus: number;
    platform: string;
    /** os.loadavg() (1, 5, 15 min) when the run started and when it ended: how quiet the machine was. */
    loadAverage?: { start: number[]; end: number[] };
  };
  /** Wall time of the whole run, s, and of its phases (builds, floor, each profile). */
  wallSeconds?: number;
  phases?: Array<{ name: string; seconds: number }>;
  settings: {
    profiles: NetworkProfile[];
    models: BenchModel[];
    runs: number;
    /** Journeys per (profile cap, model, strategy) at RTT 0: the floor of extraRoundTrips. */
    floorRuns: number;
    /** Each model's own matrix (the fresh launch may measure fewer cells): runs, floor runs, profiles, strategies, scenarios. */
    perModel?: ModelSettings[];
    page: string;
    deployChangedAssets: readonly string[];
  };
  results: CellResult[];
  /** Cells over fewer runs than asked (absent in runs before this field existed). */
  shortfalls?: RunShortfall[];
  targets: TargetCheck[];
}
