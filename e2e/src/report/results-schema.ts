import type { ScenarioName, StrategyName } from '../harness/strategies.ts';
import type { VisitMeasurement } from '../harness/visit-measurement.ts';

/** Medians over the runs of one (rtt, scenario, strategy) cell. Documented in e2e/README.md. */
export interface MedianFigures {
  loadMs: number;
  /** loadMs / rttMs. */
  loadRoundTrips: number;
  ttfbMs: number;
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

/** One cell of the benchmark. */
export interface CellResult {
  rttMs: number;
  scenario: ScenarioName;
  strategy: StrategyName;
  median: MedianFigures;
  min: { loadMs: number };
  max: { loadMs: number };
  runs: RunFigures[];
}

/** A target of issue 5, checked at RTT 100 ms. */
export interface TargetCheck {
  name: string;
  pass: boolean;
  detail: string;
}

/** The whole of e2e/results/latest.json. */
export interface BenchResults {
  schemaVersion: 1;
  generatedAt: string;
  command: string;
  machine: { node: string; chromium: string; cpus: number; platform: string };
  settings: {
    rttMs: number[];
    runs: number;
    bandwidthBytesPerSecond: number | null;
    page: string;
    deployChangedAssets: readonly string[];
  };
  results: CellResult[];
  targets: TargetCheck[];
}
