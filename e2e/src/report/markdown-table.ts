import { SCENARIOS } from '../harness/strategies.ts';
import type { BenchResults, CellResult } from './results-schema.ts';

const MODEL_TITLES = {
  returning: 'Returning visitor (headline): one browser, every connection dropped and the worker stopped before the visit',
  'fresh-launch': 'Fresh browser launch on the same profile (includes browser start-up)',
} as const;

/** The results as markdown: per visit model, one table per (profile, scenario) with its chart, then the target checks. */
export function markdownReport(results: BenchResults): string {
  const lines: string[] = [
    '# End-to-end latency: results',
    '',
    `Generated ${results.generatedAt} by \`${results.command}\` on ${results.machine.platform}, ${results.machine.cpus} CPUs, ` +
      `Node ${results.machine.node}, ${results.machine.chromium}. ` +
      (results.settings.perModel
        ? 'Medians, and extra round trips over a floor at RTT 0, of the run counts given per model below; '
        : `Medians of ${results.settings.runs} run(s); extra round trips over a floor of ${results.settings.floorRuns} run(s) at RTT 0; `) +
      `deploys (cumulative): deploy-images changes ${results.settings.deployChangedAssets.join(', ')}, deploy-js the deepest module ` +
      `(escape-html), deploy-css tokens.css and the bold font, think-time the deepest module again with a page that takes 200 ms to build.`,
    '',
    ...runConditions(results),
    'Extra round trips below zero mean the RTT-0 floor visit was slower than the measured one: machine noise, ' +
      'which only more runs on a quieter machine remove; compare strategies within one run.',
    '',
  ];
  for (const model of results.settings.models) {
    lines.push(`## ${MODEL_TITLES[model]}`, '');
    const own = results.settings.perModel?.find((settings) => settings.model === model);
    if (own) {
      lines.push(
        `Medians of ${own.runs} run(s), floor of ${own.floorRuns} run(s) at RTT 0 (${own.floorRuns === 0 ? 'none: no extra round trips' : 'same cap'}); ` +
          `${own.profiles.map(profileLabel).join('; ')}; strategies ${own.strategies.join(', ')}; scenarios ${own.scenarios.join(', ')}.`,
        '',
      );
    }
    for (const profile of results.settings.profiles) {
      for (const scenario of SCENARIOS) {
        const cells = results.results.filter((c) => c.model === model && c.profile === profile.name && c.scenario === scenario);
        if (cells.length === 0) continue;
        lines.push(`### ${scenario}, ${profileLabel(profile.name)}`, '');
        lines.push(`![${scenario}](${chartFileName(model, scenario, profile.name)})`, '');
        lines.push(...cellTable(cells), '');
        const fewer = (results.shortfalls ?? []).filter((gap) => gap.model === model && gap.profile === profile.name && gap.scenario === scenario);
        if (fewer.length > 0) {
          const said = fewer.map((gap) => `${gap.strategy} ${gap.runs} of ${gap.runsAsked} run(s)${gap.floorRuns < gap.floorRunsAsked ? `, floor ${gap.floorRuns} of ${gap.floorRunsAsked}` : ''}`);
          lines.push(`Fewer runs than asked: ${said.join('; ')}.`, '');
        }
      }
      for (const scenario of WATERFALL_SCENARIOS) {
        if (model === 'returning' && results.results.some((c) => c.model === model && c.profile === profile.name && c.scenario === scenario)) {
          lines.push(`Waterfall of one ${scenario} visit per strategy, ${profileLabel(profile.name)}: ![waterfall](${waterfallFileName(profile.name, scenario)})`, '');
        }
      }
    }
  }
  if (results.shortfalls && results.shortfalls.length > 0) {
    lines.push(
      '## Fewer runs than asked',
      '',
      'Journeys that failed twice (a server, browser or page failure; see the run log) are not counted: these medians are over fewer runs.',
      '',
      '| model | profile | scenario | strategy | runs | floor runs |',
      '| --- | --- | --- | --- | ---: | ---: |',
    );
    for (const gap of results.shortfalls) {
      lines.push(
        `| ${gap.model} | ${gap.profile} | ${gap.scenario} | ${gap.strategy} | ${gap.runs} of ${gap.runsAsked}${gap.runs === 0 ? ' (no figures)' : ''} | ` +
          `${gap.floorRunsAsked === 0 ? '-' : `${gap.floorRuns} of ${gap.floorRunsAsked}`} |`,
      );
    }
    lines.push('');
  }
  if (results.targets.length > 0) {
    lines.push('## Targets (returning visitor)', '', '| target | result | figures |', '| --- | --- | --- |');
    for (const target of results.targets) lines.push(`| ${target.name} | ${target.pass ? 'met' : 'NOT met'} | ${target.detail} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** One table: a row per strategy. */
export function cellTable(cells: readonly CellResult[]): string[] {
  const rows = [
    '| strategy | load ms (min-max) | TTFB ms | after 1st byte ms | extra RTs | down KB | up KB | requests | assets sent | pushed | redundant KB (%) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const cell of cells) {
    const m = cell.median;
    rows.push(
      `| ${cell.strategy} | ${Math.round(m.loadMs)} (${Math.round(cell.min.loadMs)}-${Math.round(cell.max.loadMs)}) | ${Math.round(m.ttfbMs)} | ` +
        `${Math.round(m.afterFirstByteMs)} | ${m.extraRoundTrips === null ? '-' : m.extraRoundTrips.toFixed(2)} | ` +
        `${(m.bytesDown / 1000).toFixed(1)} | ${(m.bytesUp / 1000).toFixed(1)} | ${m.networkRequests} | ${m.deliveredAssets} | ${m.pushedAssets} | ` +
        `${(m.redundantBytes / 1000).toFixed(1)} (${m.redundantPercent.toFixed(1)}%) |`,
    );
  }
  return rows;
}

/** `RTT 100 ms` or `RTT 300 ms, 5 Mbit/s`. */
export function profileLabel(profile: string): string {
  const [rtt, cap] = profile.split('-');
  return `RTT ${rtt} ms${cap ? `, ${cap.replace(/mbit$/, ' Mbit/s')}` : ''}`;
}

/** The bar chart's file name for a (model, scenario, profile). */
export function chartFileName(model: string, scenario: string, profile: string): string {
  return `chart-${model}-${scenario}-${profile}.svg`;
}

/** The scenarios drawn as a waterfall (one visit per strategy): the code deploy, and the slow page of issue 10. */
export const WATERFALL_SCENARIOS = ['deploy-js', 'think-time'] as const;

/** A scenario's waterfall file name for a profile. */
export function waterfallFileName(profile: string, scenario: string = 'deploy-js'): string {
  return `waterfall-${scenario}-${profile}.svg`;
}

/** How the run was made: wall time, the machine's load average, phases (when the run recorded them). */
function runConditions(results: BenchResults): string[] {
  const load = results.machine.loadAverage;
  if (!load || results.wallSeconds === undefined) return [];
  const phases = (results.phases ?? []).map(({ name, seconds }) => `${name} ${seconds} s`).join('; ');
  return [
    `Wall time ${results.wallSeconds} s (${phases}). Load average (1/5/15 min) ${load.start.join(' ')} at the start and ` +
      `${load.end.join(' ')} at the end, on ${results.machine.cpus} CPUs: above about ${results.machine.cpus} other work shared the machine, ` +
      'and load times carry its noise.',
    '',
  ];
}
