import { svgBarChart, type Bar } from '../report/svg-bar-chart.ts';
import { textTable } from '../report/text-table.ts';
import type { VisitModel } from '../visit-metrics.ts';
import type { MeasureSettings } from './parse-measure-args.ts';
import type { MeasureCell } from './run-measure.ts';

/** The JSON `cache-digest measure` writes (schemaVersion 2: cells carry their status and failed attempts; figures of a cell without a measured run are null). */
export interface MeasureReport {
  schemaVersion: 2;
  generatedAt: string;
  command: string;
  settings: Omit<MeasureSettings, 'outDir' | 'spki'>;
  /** Why the exit was 1 (cells without a successful visit), or null. */
  error: string | null;
  results: MeasureCell[];
}

/**
 * One text table per visit model: a row per (site, RTT), with the runs
 * measured of those asked and the failed attempts / retried runs; a note under
 * the table for each cell with fewer runs than asked.
 */
export function measureTables(cells: readonly MeasureCell[]): string {
  const models = [...new Set(cells.map((cell) => cell.model))];
  return models
    .map((model) => {
      const ofModel = cells.filter((cell) => cell.model === model);
      const rows = ofModel.map((cell) => {
        const m = cell.median;
        const head = [`${cell.url} @ ${cell.rttMs} ms`, runsText(cell), `${cell.attempts.failedAttempts}/${cell.attempts.retried}`];
        if (!m || !cell.min || !cell.max) return [...head, ...Array<string>(10).fill('-')];
        return [
          ...head,
          `${Math.round(m.loadMs)}`,
          `${Math.round(cell.min.loadMs)}-${Math.round(cell.max.loadMs)}`,
          `${Math.round(m.ttfbMs)}`,
          `${Math.round(m.afterFirstByteMs)}`,
          m.extraRoundTrips === null ? '-' : m.extraRoundTrips.toFixed(2),
          kb(m.bytesDown),
          kb(m.bytesUp),
          kb(m.assetBytesFromNetwork),
          `${m.assets.network.count}/${m.assets.worker.count}/${m.assets['http-cache'].count}`,
          m.summary ? `${m.summary.mode} pushed=${m.summary.pushed} skipped=${m.summary.skipped}` : '-',
        ];
      });
      const header = ['site @ RTT', 'runs', 'failed/retried', 'load ms', 'min-max', 'TTFB', 'after 1st byte', 'extra RTs', 'down', 'up', 'asset bytes', 'net/worker/cache', 'cache-digest-push'];
      const notes = ofModel.filter((cell) => cell.status !== 'complete').map((cell) => `! ${cell.url} @ ${cell.rttMs} ms: ${cellNote(cell)}`);
      return [`${title(model)} (medians)`, textTable(header, rows), ...notes].join('\n');
    })
    .join('\n\n');
}

/** A bar chart of the median load time, grouped by visit model. */
export function measureChart(cells: readonly MeasureCell[]): string {
  const bars: Bar[] = [];
  let lastModel: VisitModel | null = null;
  const models = [...new Set(cells.map((cell) => cell.model))];
  for (const cell of models.flatMap((model) => cells.filter((c) => c.model === model))) {
    const label = `${new URL(cell.url).host} @ ${cell.rttMs} ms`;
    const bar: Bar =
      cell.median && cell.min && cell.max
        ? {
            label,
            value: cell.median.loadMs,
            min: cell.min.loadMs,
            max: cell.max.loadMs,
            note:
              `${Math.round(cell.median.loadMs)} ms · ${cell.median.extraRoundTrips?.toFixed(2) ?? '-'} extra RTs · ${kb(cell.median.bytesDown)} down` +
              (cell.status === 'partial' ? ` · only ${runsText(cell)} runs` : ''),
          }
        : { label, value: 0, note: cell.status === 'skipped' ? 'not measured' : 'no successful visit' };
    if (cell.model !== lastModel) bar.group = title(cell.model);
    lastModel = cell.model;
    bars.push(bar);
  }
  return svgBarChart({ title: 'cache-digest measure: page load', subtitle: 'median load time (navigation start to load event), whiskers min-max', bars });
}

function runsText(cell: MeasureCell): string {
  const runs = `${cell.attempts.measured}/${cell.attempts.asked}`;
  return cell.status === 'complete' ? runs : `${runs} ${cell.status}`;
}

function cellNote(cell: MeasureCell): string {
  const { asked, measured, failedAttempts, lastFailure } = cell.attempts;
  if (cell.status === 'skipped') return 'not measured (the run gave up: too many failed attempts)';
  const what = cell.status === 'failed' ? `no successful visit of ${asked}` : `only ${measured} of ${asked} runs measured (the figures come from those)`;
  return `${what}; ${failedAttempts} failed attempts, last: ${lastFailure ?? '-'}`;
}

function title(model: VisitModel): string {
  return { cold: 'cold visit', warm: 'warm visit', returning: 'returning visitor', 'fresh-launch': 'fresh browser launch' }[model];
}

function kb(bytes: number): string {
  return bytes >= 1000 ? `${(bytes / 1000).toFixed(1)} KB` : `${bytes} B`;
}
