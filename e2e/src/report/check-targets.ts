import type { CellResult, TargetCheck } from './results-schema.ts';

const DEPLOYS = ['deploy-images', 'deploy-js', 'deploy-css'] as const;

/**
 * The benchmark's targets, on the returning-visitor model: after a deploy
 * the digest needs at most 0.2 extra round trips after the first byte (the
 * baseline's alongside), deploy-js at RTT 300 ms + 5 Mbit/s loads in at most
 * 0.8x the baseline's and 0.8x workbox's time, and a warm visit sends no asset and is no slower
 * than the baseline within noise (the baseline's own spread, or 5 %).
 */
export function checkTargets(results: readonly CellResult[]): TargetCheck[] {
  const returning = results.filter((cell) => cell.model === 'returning');
  const cell = (profile: string, scenario: string, strategy: string): CellResult | undefined =>
    returning.find((r) => r.profile === profile && r.scenario === scenario && r.strategy === strategy);
  const profiles = [...new Set(returning.map((r) => r.profile))];
  const checks: TargetCheck[] = [];
  const rts = (c: CellResult | undefined): string => (c?.median.extraRoundTrips == null ? '-' : c.median.extraRoundTrips.toFixed(2));
  for (const profile of profiles) {
    for (const scenario of DEPLOYS) {
      const digest = cell(profile, scenario, 'digest');
      if (!digest || digest.median.extraRoundTrips === null) continue;
      checks.push({
        name: `${scenario} @ ${profile}: digest at most 0.2 extra round trips after the first byte`,
        pass: digest.median.extraRoundTrips <= 0.2,
        detail: `digest ${rts(digest)}, baseline ${rts(cell(profile, scenario, 'baseline'))}, workbox ${rts(cell(profile, scenario, 'workbox'))}, hints ${rts(cell(profile, scenario, 'hints'))}`,
      });
    }
    const warmDigest = cell(profile, 'warm', 'digest');
    const warmBaseline = cell(profile, 'warm', 'baseline');
    if (warmDigest) {
      checks.push({
        name: `warm @ ${profile}: digest sends no asset`,
        pass: warmDigest.runs.every((run) => run.deliveredAssets.length === 0),
        detail: `assets delivered per run: ${warmDigest.runs.map((run) => run.deliveredAssets.length).join(', ')}`,
      });
      if (warmBaseline) {
        const noise = Math.max(warmBaseline.median.loadMs * 0.05, warmBaseline.max.loadMs - warmBaseline.median.loadMs);
        checks.push({
          name: `warm @ ${profile}: digest no slower than baseline within noise (baseline's median-to-max spread, at least 5 %)`,
          pass: warmDigest.median.loadMs <= warmBaseline.median.loadMs + noise,
          detail: `digest ${Math.round(warmDigest.median.loadMs)} ms vs baseline ${Math.round(warmBaseline.median.loadMs)} ms (+${Math.round(noise)} ms allowed)`,
        });
      }
    }
  }
  const capped = returning.find((r) => r.rttMs === 300 && r.scenario === 'deploy-js' && r.strategy === 'digest' && /mbit/.test(r.profile));
  for (const rival of ['baseline', 'workbox'] as const) {
    const other = capped && cell(capped.profile, 'deploy-js', rival);
    if (!capped || !other) continue;
    const ratio = capped.median.loadMs / other.median.loadMs;
    checks.push({
      name: `deploy-js @ ${capped.profile}: digest at most 0.8x ${rival}`,
      pass: ratio <= 0.8,
      detail: `digest ${Math.round(capped.median.loadMs)} ms vs ${rival} ${Math.round(other.median.loadMs)} ms (ratio ${ratio.toFixed(2)})`,
    });
  }
  return checks;
}
