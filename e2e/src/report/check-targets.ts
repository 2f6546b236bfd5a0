import type { CellResult, TargetCheck } from './results-schema.ts';

/**
 * The targets of issue 5 at RTT 100 ms (or the RTT given). The connection
 * setup is two round trips (TCP, then TLS 1.3); transfer time is the bytes
 * received over the bandwidth cap, zero without a cap.
 */
export function checkTargets(results: readonly CellResult[], options: { rttMs?: number; bandwidthBytesPerSecond?: number | null } = {}): TargetCheck[] {
  const rtt = options.rttMs ?? 100;
  const cell = (scenario: string, strategy: string): CellResult | undefined =>
    results.find((r) => r.rttMs === rtt && r.scenario === scenario && r.strategy === strategy);
  const checks: TargetCheck[] = [];
  const deployDigest = cell('deploy', 'digest');
  const deployBaseline = cell('deploy', 'baseline');
  if (deployDigest) {
    const transferMs = options.bandwidthBytesPerSecond ? (deployDigest.median.bytesDown / options.bandwidthBytesPerSecond) * 1000 : 0;
    const bound = 2 * rtt + 1.5 * rtt + transferMs;
    checks.push({
      name: `deploy, digest: load within connection setup + 1.5 RTT + transfer (${Math.round(bound)} ms at RTT ${rtt})`,
      pass: deployDigest.median.loadMs <= bound,
      detail: `median ${Math.round(deployDigest.median.loadMs)} ms (${deployDigest.median.loadRoundTrips.toFixed(1)} RTT), TTFB ${Math.round(deployDigest.median.ttfbMs)} ms`,
    });
    if (deployBaseline) {
      checks.push({
        name: 'deploy, digest: at most half the baseline load time',
        pass: deployDigest.median.loadMs <= deployBaseline.median.loadMs / 2,
        detail: `digest ${Math.round(deployDigest.median.loadMs)} ms vs baseline ${Math.round(deployBaseline.median.loadMs)} ms (ratio ${(deployDigest.median.loadMs / deployBaseline.median.loadMs).toFixed(2)})`,
      });
    }
    checks.push({
      name: 'deploy, digest: redundant bytes under 2% of the page',
      pass: deployDigest.runs.every((run) => run.redundantBytes < run.pageBytes * 0.02),
      detail: `median ${deployDigest.median.redundantBytes} B of ${deployDigest.median.pageBytes} B (${deployDigest.median.redundantPercent.toFixed(2)}%), worst run ${Math.max(...deployDigest.runs.map((r) => r.redundantBytes))} B`,
    });
  }
  const warmDigest = cell('warm', 'digest');
  if (warmDigest) {
    checks.push({
      name: 'warm, digest: no asset byte crosses the network',
      pass: warmDigest.runs.every((run) => run.deliveredAssets.length === 0),
      detail: `assets delivered per run: ${warmDigest.runs.map((run) => run.deliveredAssets.length).join(', ')}`,
    });
  }
  const coldDigest = cell('cold', 'digest');
  const coldBaseline = cell('cold', 'baseline');
  if (coldDigest && coldBaseline) {
    checks.push({
      name: 'cold, digest: no slower than baseline',
      pass: coldDigest.median.loadMs <= coldBaseline.median.loadMs,
      detail: `digest ${Math.round(coldDigest.median.loadMs)} ms vs baseline ${Math.round(coldBaseline.median.loadMs)} ms`,
    });
  }
  return checks;
}
