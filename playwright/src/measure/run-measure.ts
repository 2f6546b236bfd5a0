import { withFloor } from '../extra-round-trips.ts';
import { LatencyLab } from '../latency-lab.ts';
import { medianVisit } from '../median-visit.ts';
import type { VisitMetrics, VisitModel } from '../visit-metrics.ts';
import { MeasureIncompleteError } from './measure-incomplete-error.ts';
import type { MeasureSettings } from './parse-measure-args.ts';
import { preflight } from './preflight.ts';

/**
 * How a cell ended: `complete` every run asked for was measured; `partial`
 * fewer (its figures come from the measured runs only); `failed` none (every
 * attempt failed); `skipped` not tried (the run's failure budget was spent).
 */
export type MeasureCellStatus = 'complete' | 'partial' | 'failed' | 'skipped';

/** Attempts and failures of a set of visits. */
export interface VisitAttempts {
  /** Runs asked for. */
  asked: number;
  /** Runs measured (a successful attempt each). */
  measured: number;
  /** Attempts that failed (each logged on stderr; none is measured). */
  failedAttempts: number;
  /** Runs measured after at least one failed attempt. */
  retried: number;
  /** The reason of the last failed attempt, or null. */
  lastFailure: string | null;
}

/** The runs of one (site, visit model, RTT). */
export interface MeasureCell {
  url: string;
  model: VisitModel;
  rttMs: number;
  status: MeasureCellStatus;
  /** This cell's runs: asked, measured, failed attempts, retried runs. */
  attempts: VisitAttempts;
  /** Median time after first byte of the same visit at RTT 0 (the floor of extraRoundTrips); null if no floor visit succeeded. */
  floorAfterFirstByteMs: number | null;
  /** The floor visits (per site and visit model, shared by its RTTs). */
  floorAttempts: VisitAttempts;
  /** The run with the median load time (all its figures from that one visit); null when no run was measured. */
  median: VisitMetrics | null;
  min: { loadMs: number } | null;
  max: { loadMs: number } | null;
  /** The measured runs only: a failed attempt never appears here. */
  runs: VisitMetrics[];
}

/** Visits of the RTT-0 floor per (site, model): fewer than the measured runs, it only needs a steady median. */
const FLOOR_RUNS = 3;
/** Pause before a retry, times the attempt number: a flaky network gets a moment to recover. */
const RETRY_PAUSE_MS = 250;
/** Longest failure reason kept (Playwright's messages can be long). */
const MAX_REASON_CHARS = 300;

/**
 * Measures every (site, visit model, RTT) of `settings`, each visit with a
 * new profile, after checking each site answers over trusted TLS. A failed
 * visit is tried again up to `settings.retries` times; after
 * `settings.maxFailures` failed attempts in all, nothing more is tried.
 * Calls `progress` after every visit and every failed attempt. Resolves to
 * the cells when each has at least one measured run; otherwise rejects with
 * a {@link MeasureIncompleteError} that carries them all.
 */
export async function runMeasure(settings: MeasureSettings, progress: (line: string) => void = () => {}): Promise<MeasureCell[]> {
  for (const url of settings.urls) await preflight(url, settings.spki);
  const floorRuns = Math.min(FLOOR_RUNS, settings.runs);
  const total = settings.urls.length * settings.models.length * (floorRuns + settings.rttMs.length * settings.runs);
  let done = 0;
  let failures = 0;
  const cells: MeasureCell[] = [];
  const budgetSpent = (): boolean => failures >= settings.maxFailures;
  for (const url of settings.urls) {
    const lab = await LatencyLab.start({
      url,
      rttMs: 0,
      spki: settings.spki,
      ...(settings.bandwidthBytesPerSecond ? { bandwidthBytesPerSecond: settings.bandwidthBytesPerSecond } : {}),
    });
    try {
      for (const model of settings.models) {
        // `runs` visits at `rttMs`, each tried up to 1 + retries times while the failure budget lasts.
        const measureRuns = async (rttMs: number, runs: number): Promise<{ visits: VisitMetrics[]; attempts: VisitAttempts }> => {
          const attempts: VisitAttempts = { asked: runs, measured: 0, failedAttempts: 0, retried: 0, lastFailure: null };
          const visits: VisitMetrics[] = [];
          for (let run = 1; run <= runs && !budgetSpent(); run += 1) {
            const where = `${url} ${model} RTT ${rttMs} ms run ${run}/${runs}`;
            for (let attempt = 1; attempt <= 1 + settings.retries; attempt += 1) {
              lab.emulator.rttMs = rttMs;
              try {
                const visit = await lab.visit(url, model);
                done += 1;
                progress(`[${done}/${total}] ${where}: load ${Math.round(visit.loadMs)} ms${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
                visits.push(visit);
                attempts.measured += 1;
                if (attempt > 1) attempts.retried += 1;
                break;
              } catch (error) {
                failures += 1;
                attempts.failedAttempts += 1;
                attempts.lastFailure = reasonOf(error);
                const last = attempt === 1 + settings.retries || budgetSpent();
                if (last) done += 1;
                const next = budgetSpent() ? `run lost, ${failures} failed attempts: giving up (--max-failures ${settings.maxFailures})` : last ? 'run lost' : 'retrying';
                progress(`failed ${where} attempt ${attempt}/${1 + settings.retries}: ${attempts.lastFailure} (${next})`);
                if (last) break;
                await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * attempt));
              }
            }
          }
          return { visits, attempts };
        };
        const floor = await measureRuns(0, floorRuns);
        const floorAfterFirstByteMs = floor.visits.length > 0 ? medianOf(floor.visits.map((visit) => visit.afterFirstByteMs)) : null;
        for (const rttMs of settings.rttMs) {
          const skipped = budgetSpent();
          const { visits, attempts } = skipped ? { visits: [], attempts: { asked: settings.runs, measured: 0, failedAttempts: 0, retried: 0, lastFailure: null } } : await measureRuns(rttMs, settings.runs);
          const runs = floorAfterFirstByteMs === null ? visits : withFloor(visits, floorAfterFirstByteMs);
          const loads = runs.map((visit) => visit.loadMs);
          cells.push({
            url,
            model,
            rttMs,
            status: skipped ? 'skipped' : runs.length === 0 ? 'failed' : runs.length < settings.runs ? 'partial' : 'complete',
            attempts,
            floorAfterFirstByteMs,
            floorAttempts: floor.attempts,
            median: runs.length > 0 ? medianVisit(runs) : null,
            min: runs.length > 0 ? { loadMs: Math.min(...loads) } : null,
            max: runs.length > 0 ? { loadMs: Math.max(...loads) } : null,
            runs,
          });
        }
      }
    } finally {
      await lab.close();
    }
  }
  const failed = cells.filter((cell) => cell.status === 'failed' || cell.status === 'skipped');
  if (failed.length > 0) throw new MeasureIncompleteError(incompleteMessage(failed, failures, settings), cells, failed);
  return cells;
}

function incompleteMessage(failed: readonly MeasureCell[], failures: number, settings: MeasureSettings): string {
  const first = failed.find((cell) => cell.status === 'failed');
  const skipped = failed.filter((cell) => cell.status === 'skipped').length;
  const parts: string[] = [];
  if (first) {
    const others = failed.filter((cell) => cell.status === 'failed').length - 1;
    parts.push(
      `no successful visit of ${first.url} (${first.model} visit, RTT ${first.rttMs} ms): ${plural(first.attempts.failedAttempts, 'failed attempt')}, last: ${first.attempts.lastFailure}` +
        (others > 0 ? ` (and ${plural(others, 'more failed cell')})` : ''),
    );
  }
  if (skipped > 0) parts.push(`${plural(skipped, 'cell')} not measured: gave up after ${plural(failures, 'failed attempt')} (--max-failures ${settings.maxFailures})`);
  return parts.join('; ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** One line: Playwright's messages run over many lines (call logs); the first says what happened. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0]!.replace(/^page\.goto: /, '').trim() || 'unknown error';
  return first.length > MAX_REASON_CHARS ? `${first.slice(0, MAX_REASON_CHARS)}…` : first;
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
