import { withFloor } from '../extra-round-trips.ts';
import { LatencyLab } from '../latency-lab.ts';
import { medianVisit } from '../median-visit.ts';
import type { VisitMetrics, VisitModel } from '../visit-metrics.ts';
import { MeasureError } from './measure-error.ts';
import type { MeasureSettings } from './parse-measure-args.ts';
import { preflight } from './preflight.ts';

/** The runs of one (site, visit model, RTT). */
export interface MeasureCell {
  url: string;
  model: VisitModel;
  rttMs: number;
  /** Median time after first byte of the same visit at RTT 0 (the floor of extraRoundTrips). */
  floorAfterFirstByteMs: number;
  /** The run with the median load time (all its figures from that one visit). */
  median: VisitMetrics;
  min: { loadMs: number };
  max: { loadMs: number };
  runs: VisitMetrics[];
}

/** Visits of the RTT-0 floor per (site, model): fewer than the measured runs, it only needs a steady median. */
const FLOOR_RUNS = 3;

/**
 * Measures every (site, visit model, RTT) of `settings`, each visit with a
 * new profile, after checking each site answers over trusted TLS. Calls
 * `progress` after every visit.
 */
export async function runMeasure(settings: MeasureSettings, progress: (line: string) => void = () => {}): Promise<MeasureCell[]> {
  for (const url of settings.urls) await preflight(url, settings.spki);
  const floorRuns = Math.min(FLOOR_RUNS, settings.runs);
  const total = settings.urls.length * settings.models.length * (floorRuns + settings.rttMs.length * settings.runs);
  let done = 0;
  const cells: MeasureCell[] = [];
  for (const url of settings.urls) {
    const lab = await LatencyLab.start({
      url,
      rttMs: 0,
      spki: settings.spki,
      ...(settings.bandwidthBytesPerSecond ? { bandwidthBytesPerSecond: settings.bandwidthBytesPerSecond } : {}),
    });
    try {
      for (const model of settings.models) {
        const measure = async (rttMs: number, run: number, of: number): Promise<VisitMetrics> => {
          lab.emulator.rttMs = rttMs;
          const visit = await visitOrExplain(lab, url, model);
          done += 1;
          progress(`[${done}/${total}] ${url} ${model} RTT ${rttMs} ms run ${run}/${of}: load ${Math.round(visit.loadMs)} ms`);
          return visit;
        };
        const floor: VisitMetrics[] = [];
        for (let run = 1; run <= floorRuns; run += 1) floor.push(await measure(0, run, floorRuns));
        const floorAfterFirstByteMs = medianOf(floor.map((visit) => visit.afterFirstByteMs));
        for (const rttMs of settings.rttMs) {
          const visits: VisitMetrics[] = [];
          for (let run = 1; run <= settings.runs; run += 1) visits.push(await measure(rttMs, run, settings.runs));
          const runs = withFloor(visits, floorAfterFirstByteMs);
          const loads = runs.map((visit) => visit.loadMs);
          cells.push({
            url,
            model,
            rttMs,
            floorAfterFirstByteMs,
            median: medianVisit(runs),
            min: { loadMs: Math.min(...loads) },
            max: { loadMs: Math.max(...loads) },
            runs,
          });
        }
      }
    } finally {
      await lab.close();
    }
  }
  return cells;
}

async function visitOrExplain(lab: LatencyLab, url: string, model: VisitModel): Promise<VisitMetrics> {
  try {
    return await lab.visit(url, model);
  } catch (error) {
    // Playwright's messages run over many lines (call logs); the first says what happened.
    const first = (error as Error).message.split('\n')[0]!.replace(/^page\.goto: /, '');
    throw new MeasureError(`loading ${url} (${model} visit) failed: ${first}`);
  }
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
