import { runEdgeH3 } from './run-edge-h3.ts';
import { edgeProfileSettings, EdgeProfileUsageError, type EdgeProfileCliOptions } from './edge-profile-settings.ts';

export { EdgeProfileUsageError, type EdgeProfileCliOptions };

/**
 * `npm run bench:e2e -- --edge h3 [--profile RTT] [--runs N] [--floor-runs N] [--quick] [--dry-run]`:
 * the edge profile at one RTT (default 100 ms) instead of the strategy matrix;
 * prints its table and writes edge-h3.json and edge-h3.md beside the matrix's
 * results. A flag it cannot honour (a profile list or cap, a run count out of range) is
 * refused by {@link edgeProfileSettings} before anything starts.
 */
export async function runEdgeProfile(name: string, options: EdgeProfileCliOptions): Promise<void> {
  if (name !== 'h3') throw new EdgeProfileUsageError(`--edge: unknown profile "${name}" (h3)`);
  const { rttMs, runs, floorRuns } = edgeProfileSettings(options);
  if (options['dry-run']) {
    // As the matrix's --dry-run: the plan only (the edge stacks are not started, nothing is written).
    console.log(`plan edge h3: HTTP/3 and HTTP/2 via Caddy, returning visitor, RTT ${rttMs} ms, ${runs} run(s), floor ${floorRuns} run(s) at RTT 0; --dry-run: nothing run`);
    return;
  }
  const results = await runEdgeH3({ rttMs, runs, floorRuns, outDir: options.out, log: (line) => console.log(line) });
  console.log('');
  for (const row of results.rows) console.log(`${row.name}: first byte ${row.ttfbMs} ms (${row.ttfbRtt} RTT), load ${row.loadMs} ms (${row.loadRtt} RTT), extra RTT ${row.extraRtt ?? '-'}`);
  console.log(`HTTP/3: 0-RTT sent ${Math.round(results.zeroRttSentShare * 100)}%, request in 0-RTT ${Math.round(results.zeroRttUsedShare * 100)}%, first flight resent ${Math.round(results.resentShare * 100)}%; wrote edge-h3.json and edge-h3.md to ${options.out}`);
}
