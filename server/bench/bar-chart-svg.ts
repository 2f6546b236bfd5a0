/** A horizontal bar chart as plain SVG (labels left, value at the bar's end); highlighted bars are the reference. */
export function barChartSvg(chart: { title: string; bars: { label: string; value: number; highlight?: boolean }[] }): string {
  const width = 900;
  const left = 260;
  const barHeight = 20;
  const gap = 8;
  const top = 44;
  const height = top + chart.bars.length * (barHeight + gap) + 16;
  const max = Math.max(1, ...chart.bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0)));
  const scale = (value: number): number => ((width - left - 90) * value) / max;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="24" font-size="15" font-weight="600" fill="#0f172a">${escapeXml(chart.title)}</text>`,
  ];
  chart.bars.forEach((bar, index) => {
    const y = top + index * (barHeight + gap);
    const value = Number.isFinite(bar.value) ? bar.value : 0;
    parts.push(
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end" fill="#334155">${escapeXml(bar.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${scale(value).toFixed(1)}" height="${barHeight}" fill="${bar.highlight ? '#64748b' : '#0f766e'}"/>`,
      `<text x="${(left + scale(value) + 6).toFixed(1)}" y="${y + 14}" fill="#0f172a">${Math.round(value).toLocaleString('en-US')}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
