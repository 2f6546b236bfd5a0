import { describe, expect, it } from 'vitest';
import { checkTargets } from './check-targets.ts';
import { markdownReport } from './markdown-table.ts';
import { median } from './median.ts';
import type { BenchResults, CellResult } from './results-schema.ts';
import { summariseRuns } from './summarise-runs.ts';
import { loadTimeChart } from './svg-chart.ts';
import type { VisitMeasurement } from '../harness/visit-measurement.ts';

function visit(loadMs: number, overrides: Partial<VisitMeasurement> = {}): VisitMeasurement {
  return {
    loadMs,
    ttfbMs: loadMs / 3,
    bytesUp: 2000,
    bytesDown: 90_000,
    connections: 1,
    networkRequests: 1,
    deliveredAssets: ['/assets/a.png'],
    pushedAssets: ['/assets/a.png'],
    deliveredBytes: 30_000,
    redundantAssets: [],
    redundantBytes: 0,
    pageBytes: 500_000,
    summary: 'mode=stream; digest=30; pushed=1; skipped=29; bytes=30000',
    render: null,
    ...overrides,
  };
}

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('summariseRuns, checkTargets, markdownReport, loadTimeChart', () => {
  const cells: CellResult[] = [
    summariseRuns({ rttMs: 100, scenario: 'deploy', strategy: 'baseline' }, [900, 1000, 1100].map((ms) => visit(ms, { pushedAssets: [] }))),
    summariseRuns({ rttMs: 100, scenario: 'deploy', strategy: 'digest' }, [330, 340, 600].map((ms) => visit(ms))),
    summariseRuns({ rttMs: 100, scenario: 'warm', strategy: 'digest' }, [300, 310, 320].map((ms) => visit(ms, { deliveredAssets: [] }))),
  ];

  it('reports medians and extremes per cell', () => {
    const digest = cells[1]!;
    expect(digest.median.loadMs).toBe(340);
    expect(digest.median.loadRoundTrips).toBeCloseTo(3.4);
    expect(digest.min.loadMs).toBe(330);
    expect(digest.max.loadMs).toBe(600);
    expect(digest.median.pushedAssets).toBe(1);
    expect(digest.runs).toHaveLength(3);
  });

  it('checks the issue targets from the medians and every run', () => {
    const targets = checkTargets(cells);
    const byName = (part: string) => targets.find((target) => target.name.includes(part))!;
    expect(byName('connection setup').pass).toBe(true); // 340 <= 2 + 1.5 RTT = 350
    expect(byName('half the baseline').pass).toBe(true); // 340 <= 500
    expect(byName('redundant bytes').pass).toBe(true);
    expect(byName('no asset byte').pass).toBe(true);
    const slower = checkTargets([{ ...cells[1]!, median: { ...cells[1]!.median, loadMs: 600 } }, cells[0]!]);
    expect(slower.find((target) => target.name.includes('connection setup'))!.pass).toBe(false);
    expect(slower.find((target) => target.name.includes('half the baseline'))!.pass).toBe(false);
  });

  it('writes a markdown table and an SVG chart that hold the figures', () => {
    const results: BenchResults = {
      schemaVersion: 1,
      generatedAt: '2026-01-01T00:00:00.000Z',
      command: 'npm run bench:e2e',
      machine: { node: '20', chromium: 'Chromium 156', cpus: 2, platform: 'Linux' },
      settings: { rttMs: [100], runs: 3, bandwidthBytesPerSecond: null, page: '/', deployChangedAssets: ['photo-03.png'] },
      results: cells,
      targets: checkTargets(cells),
    };
    const markdown = markdownReport(results);
    expect(markdown).toContain('## RTT 100 ms, deploy');
    expect(markdown).toContain('| digest | 340 (330-600) | 3.4 |');
    expect(markdown).toContain('| met |');
    const svg = loadTimeChart('deploy visit, RTT 100 ms', cells.slice(0, 2));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>digest</text>');
    expect(svg).toContain('340 ms · 3.4 RTT');
    expect(svg.match(/<rect /g)).toHaveLength(3); // background + one bar per strategy
  });
});
