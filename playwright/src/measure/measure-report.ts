import { svgBarChart, type Bar } from '../report/svg-bar-chart.ts';
import { textTable } from '../report/text-table.ts';
import type { VisitModel } from '../visit-metrics.ts';
import type { MeasureSettings } from './parse-measure-args.ts';
import type { MeasureCell } from './run-measure.ts';

/** The JSON `cache-digest measure` writes (schemaVersion 1). */
export interface MeasureReport {
  schemaVersion: 1;
  generatedAt: string;
  command: string;
  settings: Omit<MeasureSettings, 'outDir' | 'spki'>;
  results: MeasureCell[];
}

/** One text table per visit model: a row per (site, RTT). */
export function measureTables(cells: readonly MeasureCell[]): string {
  const models = [...new Set(cells.map((cell) => cell.model))];
  return models
    .map((model) => {
      const rows = cells
        .filter((cell) => cell.model === model)
        .map((cell) => {
          const m = cell.median;
          return [
            `${cell.url} @ ${cell.rttMs} ms`,
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
      const header = ['site @ RTT', 'load ms', 'min-max', 'TTFB', 'after 1st byte', 'extra RTs', 'down', 'up', 'asset bytes', 'net/worker/cache', 'cache-digest-push'];
      return `${title(model)} (medians)\n${textTable(header, rows)}`;
    })
    .join('\n\n');
}

/** A bar chart of the median load time, grouped by visit model. */
export function measureChart(cells: readonly MeasureCell[]): string {
  const bars: Bar[] = [];
  let lastModel: VisitModel | null = null;
  const models = [...new Set(cells.map((cell) => cell.model))];
  for (const cell of models.flatMap((model) => cells.filter((c) => c.model === model))) {
    const bar: Bar = {
      label: `${new URL(cell.url).host} @ ${cell.rttMs} ms`,
      value: cell.median.loadMs,
      min: cell.min.loadMs,
      max: cell.max.loadMs,
      note: `${Math.round(cell.median.loadMs)} ms · ${cell.median.extraRoundTrips?.toFixed(2) ?? '-'} extra RTs · ${kb(cell.median.bytesDown)} down`,
    };
    if (cell.model !== lastModel) bar.group = title(cell.model);
    lastModel = cell.model;
    bars.push(bar);
  }
  return svgBarChart({ title: 'cache-digest measure: page load', subtitle: 'median load time (navigation start to load event), whiskers min-max', bars });
}

function title(model: VisitModel): string {
  return { cold: 'cold visit', warm: 'warm visit', returning: 'returning visitor', 'fresh-launch': 'fresh browser launch' }[model];
}

function kb(bytes: number): string {
  return bytes >= 1000 ? `${(bytes / 1000).toFixed(1)} KB` : `${bytes} B`;
}
