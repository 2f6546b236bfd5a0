import type { BenchResults } from './results-schema.ts';

/** The results as markdown: one table per (RTT, scenario), then the target checks. */
export function markdownReport(results: BenchResults): string {
  const lines: string[] = [
    '# End-to-end latency: results',
    '',
    `Generated ${results.generatedAt} by \`${results.command}\` on ${results.machine.platform}, ${results.machine.cpus} CPUs, ` +
      `Node ${results.machine.node}, Chromium ${results.machine.chromium}. Medians of ${results.settings.runs} runs; ` +
      `bandwidth ${results.settings.bandwidthBytesPerSecond ? `${results.settings.bandwidthBytesPerSecond} B/s` : 'not capped'}; ` +
      `deploy changes ${results.settings.deployChangedAssets.join(', ')}.`,
    '',
  ];
  for (const rtt of results.settings.rttMs) {
    for (const scenario of ['cold', 'warm', 'deploy'] as const) {
      const cells = results.results.filter((cell) => cell.rttMs === rtt && cell.scenario === scenario);
      if (cells.length === 0) continue;
      lines.push(`## RTT ${rtt} ms, ${scenario}`, '');
      lines.push('| strategy | load ms (min-max) | RTTs | TTFB ms | down KB | up KB | requests | assets sent | pushed | redundant KB (%) |');
      lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const cell of cells) {
        const m = cell.median;
        lines.push(
          `| ${cell.strategy} | ${Math.round(m.loadMs)} (${Math.round(cell.min.loadMs)}-${Math.round(cell.max.loadMs)}) | ${m.loadRoundTrips.toFixed(1)} | ${Math.round(m.ttfbMs)} | ` +
            `${(m.bytesDown / 1000).toFixed(1)} | ${(m.bytesUp / 1000).toFixed(1)} | ${m.networkRequests} | ${m.deliveredAssets} | ${m.pushedAssets} | ` +
            `${(m.redundantBytes / 1000).toFixed(1)} (${m.redundantPercent.toFixed(1)}%) |`,
        );
      }
      lines.push('');
    }
  }
  if (results.targets.length > 0) {
    lines.push('## Targets (issue 5)', '', '| target | result | figures |', '| --- | --- | --- |');
    for (const target of results.targets) lines.push(`| ${target.name} | ${target.pass ? 'met' : 'NOT met'} | ${target.detail} |`);
    lines.push('');
  }
  return lines.join('\n');
}
