import { renderFailure } from '../harness/render-check.ts';
import type { VisitMeasurement } from '../harness/visit-measurement.ts';
import { median } from './median.ts';
import type { CellResult, RunFigures } from './results-schema.ts';
import type { BenchModel } from '../harness/bench-journey.ts';
import type { ScenarioName, StrategyName } from '../harness/strategies.ts';

/** Turn the measured visits of one cell into its medians (and keep each run). */
export function summariseRuns(
  cell: { rttMs: number; scenario: ScenarioName; strategy: StrategyName; model?: BenchModel; profile?: string },
  visits: readonly VisitMeasurement[],
  floorAfterFirstByteMs: number | null = null,
  floorLoadMs: number | null = null,
): CellResult {
  const runs: RunFigures[] = visits.map(({ render, ...figures }) => ({
    ...figures,
    renderedCorrectly: render ? renderFailure(render) === undefined : null,
  }));
  const of = (pick: (run: RunFigures) => number): number => median(runs.map(pick));
  const loads = runs.map((run) => run.loadMs);
  const afterFirstByteMs = of((r) => r.loadMs - r.ttfbMs);
  return {
    model: cell.model ?? 'returning',
    profile: cell.profile ?? String(cell.rttMs),
    rttMs: cell.rttMs,
    scenario: cell.scenario,
    strategy: cell.strategy,
    floorAfterFirstByteMs,
    floorLoadMs,
    median: {
      loadMs: of((r) => r.loadMs),
      loadRoundTrips: of((r) => r.loadMs) / cell.rttMs,
      ttfbMs: of((r) => r.ttfbMs),
      afterFirstByteMs,
      extraRoundTrips:
        floorAfterFirstByteMs === null || cell.rttMs === 0
          ? null
          : median(runs.map((r) => (r.loadMs - r.ttfbMs - floorAfterFirstByteMs) / cell.rttMs)),
      bytesUp: of((r) => r.bytesUp),
      bytesDown: of((r) => r.bytesDown),
      connections: of((r) => r.connections),
      networkRequests: of((r) => r.networkRequests),
      deliveredAssets: of((r) => r.deliveredAssets.length),
      pushedAssets: of((r) => r.pushedAssets.length),
      deliveredBytes: of((r) => r.deliveredBytes),
      redundantBytes: of((r) => r.redundantBytes),
      redundantPercent: of((r) => (r.pageBytes > 0 ? (r.redundantBytes / r.pageBytes) * 100 : 0)),
      pageBytes: of((r) => r.pageBytes),
    },
    min: { loadMs: Math.min(...loads) },
    max: { loadMs: Math.max(...loads) },
    runs,
  };
}
