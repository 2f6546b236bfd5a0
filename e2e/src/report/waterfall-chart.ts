import type { CellResult } from './results-schema.ts';

const SOURCE_COLOURS: Record<string, string> = { network: '#dc2626', worker: '#0f766e', 'http-cache': '#64748b' };

/**
 * A waterfall of one visit per strategy (the median run): when the page's
 * first byte arrived, when each asset finished arriving (a tick coloured by
 * where it came from) and the load event. Plain SVG, written by hand.
 */
export function waterfallChart(title: string, cells: readonly CellResult[]): string {
  const width = 960;
  const left = 110;
  const right = 40;
  const rowHeight = 46;
  const top = 70;
  const runs = cells.map((cell) => ({ cell, run: medianRun(cell) }));
  const height = top + runs.length * rowHeight + 40;
  const maxMs = Math.max(1, ...runs.map(({ run }) => run.loadMs));
  const scale = (ms: number): number => ((width - left - right) * ms) / (maxMs * 1.05);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="600" fill="#0f172a">${escapeXml(title)}</text>`,
    `<text x="16" y="44" fill="#475569">bar: navigation start to load event; black tick: first byte of the page; coloured ticks: an asset's last byte</text>`,
    `<text x="16" y="60" fill="#475569">(<tspan fill="${SOURCE_COLOURS.network}">network</tspan>, <tspan fill="${SOURCE_COLOURS.worker}">service worker</tspan>, <tspan fill="${SOURCE_COLOURS['http-cache']}">HTTP cache</tspan>); the median run of each strategy</text>`,
  ];
  runs.forEach(({ cell, run }, index) => {
    const y = top + index * rowHeight;
    parts.push(`<text x="${left - 10}" y="${y + 18}" text-anchor="end" fill="#0f172a">${escapeXml(cell.strategy)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 8}" width="${Math.max(1, scale(run.loadMs)).toFixed(1)}" height="16" rx="3" fill="#e2e8f0"/>`);
    for (const asset of run.waterfall ?? []) {
      const x = left + scale(Math.min(asset.endMs, run.loadMs));
      parts.push(`<line x1="${x.toFixed(1)}" y1="${y + 26}" x2="${x.toFixed(1)}" y2="${y + 36}" stroke="${SOURCE_COLOURS[asset.source] ?? '#334155'}" stroke-width="1.5"/>`);
    }
    const ttfb = left + scale(run.ttfbMs);
    parts.push(`<line x1="${ttfb.toFixed(1)}" y1="${y + 4}" x2="${ttfb.toFixed(1)}" y2="${y + 28}" stroke="#0f172a" stroke-width="2"/>`);
    parts.push(`<text x="${(left + scale(run.loadMs) + 6).toFixed(1)}" y="${y + 20}" fill="#0f172a">${Math.round(run.loadMs)} ms</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function medianRun(cell: CellResult): CellResult['runs'][number] {
  const sorted = [...cell.runs].sort((a, b) => a.loadMs - b.loadMs);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
