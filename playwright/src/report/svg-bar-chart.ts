/** One bar of {@link svgBarChart}. */
export interface Bar {
  label: string;
  /** Bar length, in the chart's unit. */
  value: number;
  /** Optional whisker. */
  min?: number;
  max?: number;
  /** Text after the bar. */
  note?: string;
  color?: string;
  /** Starts a new group: a gap and this heading above the bar. */
  group?: string;
}

/** Options of {@link svgBarChart}. */
export interface BarChartOptions {
  title: string;
  subtitle?: string;
  unit?: string;
  bars: readonly Bar[];
}

const PALETTE = ['#0f766e', '#64748b', '#2563eb', '#a16207', '#7c3aed', '#be123c'];

/** A horizontal bar chart with optional min-max whiskers and groups, as plain SVG text. */
export function svgBarChart(options: BarChartOptions): string {
  const unit = options.unit ?? 'ms';
  const width = 960;
  const left = 230;
  const right = 330;
  const barHeight = 22;
  const gap = 10;
  const groupGap = 26;
  const top = 60;
  let y = top;
  const placed = options.bars.map((bar) => {
    if (bar.group !== undefined && bar !== options.bars[0]) y += groupGap;
    else if (bar.group !== undefined) y += groupGap - gap;
    const at = y;
    y += barHeight + gap;
    return { bar, y: at };
  });
  const height = y + 40;
  const maxValue = Math.max(1, ...options.bars.map((bar) => Math.max(bar.value, bar.max ?? 0)));
  const ceiling = niceCeiling(maxValue);
  const scale = (value: number): number => ((width - left - right) * value) / ceiling;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="600" fill="#0f172a">${escapeXml(options.title)}</text>`,
  ];
  if (options.subtitle) parts.push(`<text x="16" y="44" fill="#475569">${escapeXml(options.subtitle)}</text>`);
  for (let i = 0; i <= 5; i += 1) {
    const tick = Math.round((ceiling * i) / 5);
    const x = left + scale(tick);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${height - 34}" stroke="#e2e8f0"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${height - 18}" text-anchor="middle" fill="#64748b">${tick} ${escapeXml(unit)}</text>`);
  }
  const colours = new Map<string, string>();
  for (const { bar, y: barY } of placed) {
    if (bar.group !== undefined) parts.push(`<text x="16" y="${barY - 6}" font-weight="600" fill="#334155">${escapeXml(bar.group)}</text>`);
    if (!colours.has(bar.label)) colours.set(bar.label, PALETTE[colours.size % PALETTE.length]!);
    const mid = barY + barHeight / 2;
    parts.push(`<text x="${left - 10}" y="${mid + 4}" text-anchor="end" fill="#0f172a">${escapeXml(bar.label)}</text>`);
    parts.push(`<rect x="${left}" y="${barY}" width="${Math.max(1, scale(bar.value)).toFixed(1)}" height="${barHeight}" rx="3" fill="${bar.color ?? colours.get(bar.label)}"/>`);
    let end = left + scale(bar.value);
    if (bar.min !== undefined && bar.max !== undefined) {
      const x1 = left + scale(bar.min);
      const x2 = left + scale(bar.max);
      parts.push(`<path d="M${x1.toFixed(1)} ${mid}H${x2.toFixed(1)}M${x1.toFixed(1)} ${mid - 5}V${mid + 5}M${x2.toFixed(1)} ${mid - 5}V${mid + 5}" stroke="#0f172a" stroke-width="1.2" fill="none"/>`);
      end = Math.max(end, x2);
    }
    parts.push(`<text x="${(end + 8).toFixed(1)}" y="${mid + 4}" fill="#0f172a">${escapeXml(bar.note ?? `${Math.round(bar.value)} ${unit}`)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
