import { describe, expect, it } from 'vitest';
import { checkTargets } from './check-targets.ts';
import { estimateRunSeconds, formatDuration } from './estimate-run.ts';
import { markdownReport } from './markdown-table.ts';
import { median } from './median.ts';
import type { BenchResults, CellResult } from './results-schema.ts';
import { summariseRuns } from './summarise-runs.ts';
import { loadTimeChart } from './svg-chart.ts';
import { waterfallChart } from './waterfall-chart.ts';
import type { VisitMeasurement } from '../harness/visit-measurement.ts';
import { renderFailure } from '../harness/render-check.ts';

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

describe('summariseRuns, checkTargets, markdownReport, loadTimeChart, waterfallChart', () => {
  const cell = (scenario: 'deploy-js' | 'warm', strategy: 'baseline' | 'digest', loads: number[], overrides: Partial<VisitMeasurement> = {}) =>
    summariseRuns(
      { rttMs: 100, scenario, strategy, model: 'returning', profile: '100' },
      loads.map((ms) => visit(ms, overrides)),
      // Floor: 210 ms after first byte at RTT 0 (a visit's ttfb is a third of its load here).
      scenario === 'deploy-js' ? 210 : null,
    );
  const cells: CellResult[] = [
    cell('deploy-js', 'baseline', [900, 1000, 1100], { pushedAssets: [] }),
    cell('deploy-js', 'digest', [330, 340, 600], {
      waterfall: [
        { path: '/assets/a.png', endMs: 200, source: 'network' },
        { path: '/assets/b.js', endMs: 250, source: 'worker' },
      ],
    }),
    cell('warm', 'digest', [300, 310, 320], { deliveredAssets: [] }),
    cell('warm', 'baseline', [300, 305, 330], { deliveredAssets: [] }),
  ];

  it('reports medians, extremes and extra round trips over the floor per cell', () => {
    const digest = cells[1]!;
    expect(digest.median.loadMs).toBe(340);
    expect(digest.median.loadRoundTrips).toBeCloseTo(3.4);
    expect(digest.median.afterFirstByteMs).toBeCloseTo(340 - 340 / 3);
    // (load - ttfb - floor) / RTT, median over runs: (226.7 - 210) / 100.
    expect(digest.median.extraRoundTrips).toBeCloseTo((340 - 340 / 3 - 210) / 100);
    expect(digest.min.loadMs).toBe(330);
    expect(digest.max.loadMs).toBe(600);
    expect(digest.median.pushedAssets).toBe(1);
    expect(digest.runs).toHaveLength(3);
    expect(cells[2]!.median.extraRoundTrips).toBeNull();
  });

  it('checks the targets from the medians and every run', () => {
    const targets = checkTargets(cells);
    const byName = (part: string) => targets.find((target) => target.name.includes(part))!;
    expect(byName('deploy-js @ 100: digest at most 0.2').pass).toBe(true);
    expect(byName('deploy-js @ 100: digest at most 0.2').detail).toContain('baseline 4.57');
    expect(byName('sends no asset').pass).toBe(true);
    expect(byName('no slower than baseline').pass).toBe(true);
    const slower = checkTargets([cell('warm', 'digest', [400, 410, 420]), cells[3]!]);
    expect(slower.find((target) => target.name.includes('no slower'))!.pass).toBe(false);
  });

  it('writes markdown tables, a bar chart and a waterfall that hold the figures', () => {
    const results: BenchResults = {
      schemaVersion: 2,
      generatedAt: '2026-01-01T00:00:00.000Z',
      command: 'npm run bench:e2e',
      machine: { node: '20', chromium: 'Chromium 156', cpus: 2, platform: 'Linux', loadAverage: { start: [1.5, 1, 0.8], end: [1.9, 1.2, 0.9] } },
      wallSeconds: 240,
      phases: [{ name: 'RTT 100 ms', seconds: 200 }],
      settings: {
        profiles: [{ name: '100', rttMs: 100, bandwidthBytesPerSecond: null }],
        models: ['returning'],
        runs: 3,
        floorRuns: 1,
        page: '/',
        deployChangedAssets: ['photo-03.png'],
      },
      results: cells,
      targets: checkTargets(cells),
    };
    const markdown = markdownReport(results);
    expect(markdown).toContain('### deploy-js, RTT 100 ms');
    expect(markdown).toContain('(chart-returning-deploy-js-100.svg)');
    expect(markdown).toContain('(waterfall-deploy-js-100.svg)');
    expect(markdown).toContain('| digest | 340 (330-600) | 113 | 227 | 0.17 |');
    expect(markdown).toContain('| met |');
    expect(markdown).toContain('by `npm run bench:e2e`');
    expect(markdown).toContain('Medians of 3 run(s)');
    expect(markdown).toContain('Wall time 240 s (RTT 100 ms 200 s). Load average (1/5/15 min) 1.5 1 0.8 at the start and 1.9 1.2 0.9 at the end');
    const svg = loadTimeChart('deploy-js visit, RTT 100 ms', cells.slice(0, 2));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>digest</text>');
    expect(svg).toContain('340 ms · 3.4 RTT · +0.17 RTT after 1st byte');
    expect(svg.match(/<rect /g)).toHaveLength(3); // background + one bar per strategy
    const waterfall = waterfallChart('deploy-js', cells.slice(0, 2));
    expect(waterfall).toContain('>340 ms</text>');
    expect(waterfall.match(/stroke="#0f766e"/g)).toHaveLength(1); // the worker-served asset of the digest visit
  });

  it('gives the fresh launch its own section, with its smaller matrix said, after the headline model', () => {
    const fresh = summariseRuns({ rttMs: 100, scenario: 'deploy-js', strategy: 'digest', model: 'fresh-launch', profile: '100' }, [visit(900), visit(950)], null);
    const markdown = markdownReport({
      schemaVersion: 2,
      generatedAt: '2026-01-01T00:00:00.000Z',
      command: 'npm run bench:e2e',
      machine: { node: '20', chromium: 'Chromium 156', cpus: 2, platform: 'Linux' },
      settings: {
        profiles: [
          { name: '20', rttMs: 20, bandwidthBytesPerSecond: null },
          { name: '100', rttMs: 100, bandwidthBytesPerSecond: null },
        ],
        models: ['returning', 'fresh-launch'],
        runs: 3,
        floorRuns: 1,
        perModel: [
          { model: 'returning', profiles: ['20', '100'], runs: 3, floorRuns: 1, strategies: ['baseline', 'digest'], scenarios: ['warm', 'deploy-js'] },
          { model: 'fresh-launch', profiles: ['100'], runs: 2, floorRuns: 0, strategies: ['digest'], scenarios: ['deploy-js'] },
        ],
        page: '/',
        deployChangedAssets: [],
      },
      results: [...cells, fresh],
      targets: [],
    });
    const headline = markdown.indexOf('## Returning visitor');
    const second = markdown.indexOf('## Fresh browser launch');
    expect(headline).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(headline);
    const section = markdown.slice(second);
    expect(section).toContain('Medians of 2 run(s), floor of 0 run(s) at RTT 0 (none: no extra round trips); RTT 100 ms; strategies digest; scenarios deploy-js.');
    expect(section).toContain('(chart-fresh-launch-deploy-js-100.svg)');
    expect(section).toContain('| digest | 925 (900-950) |');
    expect(section).not.toContain('RTT 20 ms'); // a profile only the headline model measured
    expect(markdown).not.toContain('Medians of 3 run(s); extra round trips'); // the counts are per model
  });

  it('says which cells are over fewer runs than asked (failed journeys are not counted), and which have none', () => {
    const two = summariseRuns({ rttMs: 100, scenario: 'deploy-js', strategy: 'digest', model: 'returning', profile: '100' }, [visit(300), visit(320)], 200);
    const base = {
      schemaVersion: 2,
      generatedAt: '2026-01-01T00:00:00.000Z',
      command: 'npm run bench:e2e',
      machine: { node: '20', chromium: 'Chromium 156', cpus: 2, platform: 'Linux' },
      settings: { profiles: [{ name: '100', rttMs: 100, bandwidthBytesPerSecond: null }], models: ['returning'], runs: 3, floorRuns: 1, page: '/', deployChangedAssets: [] },
      results: [two],
      targets: [],
    } satisfies BenchResults;
    const markdown = markdownReport({
      ...base,
      shortfalls: [
        { model: 'returning', profile: '100', scenario: 'deploy-js', strategy: 'digest', runs: 2, runsAsked: 3, floorRuns: 0, floorRunsAsked: 1 },
        { model: 'returning', profile: '100', scenario: 'deploy-js', strategy: 'baseline', runs: 0, runsAsked: 3, floorRuns: 1, floorRunsAsked: 1 },
      ],
    });
    expect(markdown).toContain('Fewer runs than asked: digest 2 of 3 run(s), floor 0 of 1; baseline 0 of 3 run(s).');
    expect(markdown).toContain('## Fewer runs than asked');
    expect(markdown).toContain('| returning | 100 | deploy-js | digest | 2 of 3 | 0 of 1 |');
    expect(markdown).toContain('| returning | 100 | deploy-js | baseline | 0 of 3 (no figures) | 1 of 1 |');
    // A run where every journey succeeded says nothing of it.
    for (const shortfalls of [undefined, []]) expect(markdownReport({ ...base, ...(shortfalls ? { shortfalls } : {}) })).not.toContain('Fewer runs');
  });

  it('a visit whose page did not render correctly is named as such (the journey fails rather than count it)', () => {
    const render = { images: { total: 3, loaded: 2, broken: ['/a.png'] }, fonts: [{ family: 'Pixel', status: 'error' }, { family: 'Sans', status: 'loaded' }], stylesApplied: true, modules: [] };
    expect(renderFailure(render)).toBe('2 of 3 images loaded (broken: /a.png); fonts Pixel error');
    expect(renderFailure({ ...render, images: { total: 3, loaded: 3, broken: [] }, fonts: [] })).toBeUndefined();
    expect(summariseRuns({ rttMs: 100, scenario: 'warm', strategy: 'digest' }, [visit(300, { render })]).runs[0]!.renderedCorrectly).toBe(false);
  });
});

describe('the think-time target (issue 10)', () => {
  const thinkCell = (strategy: 'baseline' | 'digest', loads: number[], overrides: Partial<VisitMeasurement>, floorLoadMs: number | null) =>
    summariseRuns({ rttMs: 100, scenario: 'think-time', strategy, model: 'returning', profile: '100' }, loads.map((ms) => visit(ms, overrides)), null, floorLoadMs);

  it('bounds the digest by think + measured setup + 1.2 RTT + its RTT-0 load less the think time, and compares it with the baseline', () => {
    // Baseline: setup measured at 205 ms (connectStart-connectEnd); digest at RTT 0 loads in 330 ms, so transfer = 130.
    const baseline = thinkCell('baseline', [800, 820, 840], { connectMs: 205 }, null);
    const digest = thinkCell('digest', [640, 650, 700], { connectMs: 0 }, 330);
    const targets = checkTargets([baseline, digest]);
    const bound = targets.find((target) => target.name.includes('within think time'))!;
    // 200 + 205 + 120 + 130 = 655 >= 650.
    expect(bound.pass).toBe(true);
    expect(bound.detail).toContain('bound 655 ms');
    expect(bound.detail).toContain('setup 205');
    expect(bound.detail).toContain('transfer 130');
    const faster = targets.find((target) => target.name.includes('1 RTT faster'))!;
    expect(faster.pass).toBe(true); // 820 - 650 = 170 ms = 1.7 RTT
    expect(faster.detail).toContain('= 170 ms = 1.70 RTT');
    const close = checkTargets([thinkCell('baseline', [700, 720, 740], { connectMs: 205 }, null), thinkCell('digest', [650, 660, 690], {}, null)]);
    expect(close.find((target) => target.name.includes('1 RTT faster'))!.pass).toBe(false);
    // Without the digest's floor there is no transfer figure: only the comparison is checked.
    expect(close.some((target) => target.name.includes('within think time'))).toBe(false);
  });

  it('falls back to 2 RTT of setup when the baseline measured none, and says so', () => {
    const targets = checkTargets([thinkCell('baseline', [800], {}, null), thinkCell('digest', [700], {}, 300)]);
    const bound = targets.find((target) => target.name.includes('within think time'))!;
    expect(bound.detail).toContain('setup 200 (not measured');
    expect(bound.pass).toBe(false); // 200 + 200 + 120 + 100 = 620 < 700
  });
});

describe('estimateRunSeconds, formatDuration', () => {
  const plan = (runs: number, rtts: number[]) => ({
    profiles: rtts.map((rttMs) => ({ name: String(rttMs), rttMs, bandwidthBytesPerSecond: null })),
    runs,
    floorRuns: 1,
    journeys: [{ model: 'returning' as const, client: 'chromium' as const, serviceWorker: true, measuredScenarios: 5 }],
    floorJourneys: [{ model: 'returning' as const, client: 'chromium' as const, serviceWorker: true, measuredScenarios: 6 }],
  });
  it('grows with runs and round-trip time, and prints minutes and seconds', () => {
    const one = estimateRunSeconds(plan(1, [100])).totalSeconds;
    expect(estimateRunSeconds(plan(7, [100])).totalSeconds).toBeGreaterThan(one);
    expect(estimateRunSeconds(plan(1, [300])).totalSeconds).toBeGreaterThan(one);
    // A second model's plan adds its journeys (the builds are counted once); a shorter journey costs less.
    const fresh = { ...plan(1, [100]), journeys: [{ model: 'fresh-launch' as const, client: 'chromium' as const, serviceWorker: true, measuredScenarios: 2, visits: 5 }] };
    const both = estimateRunSeconds([plan(1, [100]), fresh]).totalSeconds;
    expect(both).toBeGreaterThan(one);
    expect(both).toBeLessThan(2 * one);
    const shorter = { ...fresh, journeys: [{ ...fresh.journeys[0]!, visits: 3 }] };
    expect(estimateRunSeconds([plan(1, [100]), shorter]).totalSeconds).toBeLessThan(both);
    expect(formatDuration(38.4)).toBe('38 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
  });
});
