import type { CellResult } from './results-schema.ts';

const COLORS: Record<string, string> = {
  baseline: '#64748b',
  hints: '#a16207',
  'stream-all': '#7c3aed',
  digest: '#0f766e',
  'h2-push': '#2563eb',
};

/**
 * A horizontal bar chart of the median load time per strategy for one
 * (RTT, scenario), with min-max whiskers, round trips and bytes sent twice
 * as labels. Plain SVG, written by hand.
 */
export function loadTimeChart(title: string, cells: readonly CellResult[]): string {
  const width = 900;
  const left = 120;
  const right = 430;
  const barHeight = 26;
  const gap = 14;
  const top = 56;
  const height = top + cells.length * (barHeight + gap) + 40;
  const maxMs = Math.max(1, ...cells.map((cell) => cell.max.loadMs));
  const scale = (ms: number): number => ((width - left - right) * ms) / niceCeiling(maxMs);
  const ticks = tickValues(niceCeiling(maxMs));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="26" font-size="16" font-weight="600" fill="#0f172a">${escapeXml(title)}</text>`,
    `<text x="${left}" y="44" fill="#475569">median load time (navigation start to load event), whiskers min-max</text>`,
  ];
  for (const tick of ticks) {
    const x = left + scale(tick);
    parts.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - 34}" stroke="#e2e8f0"/>`);
    parts.push(`<text x="${x}" y="${height - 18}" text-anchor="middle" fill="#64748b">${tick} ms</text>`);
  }
  cells.forEach((cell, index) => {
    const y = top + index * (barHeight + gap);
    const m = cell.median;
    parts.push(`<text x="${left - 10}" y="${y + barHeight / 2 + 4}" text-anchor="end" fill="#0f172a">${escapeXml(cell.strategy)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, scale(m.loadMs)).toFixed(1)}" height="${barHeight}" rx="4" fill="${COLORS[cell.strategy] ?? '#334155'}"/>`);
    const x1 = left + scale(cell.min.loadMs);
    const x2 = left + scale(cell.max.loadMs);
    const mid = y + barHeight / 2;
    parts.push(`<path d="M${x1.toFixed(1)} ${mid}H${x2.toFixed(1)}M${x1.toFixed(1)} ${mid - 5}V${mid + 5}M${x2.toFixed(1)} ${mid - 5}V${mid + 5}" stroke="#0f172a" stroke-width="1.2" fill="none"/>`);
    const extra = m.extraRoundTrips === null ? '' : ` · +${m.extraRoundTrips.toFixed(2)} RTT after 1st byte`;
    const label = `${Math.round(m.loadMs)} ms · ${m.loadRoundTrips.toFixed(1)} RTT${extra} · ${kb(m.bytesDown)} down${m.redundantBytes > 0 ? ` · ${kb(m.redundantBytes)} twice` : ''}`;
    parts.push(`<text x="${Math.max(x2, left + scale(m.loadMs)) + 8}" y="${mid + 4}" fill="#0f172a">${escapeXml(label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function kb(bytes: number): string {
  return bytes >= 1000 ? `${(bytes / 1000).toFixed(0)} KB` : `${bytes} B`;
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function tickValues(max: number): number[] {
  const step = max / 5;
  return Array.from({ length: 6 }, (_, i) => Math.round(i * step));
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
