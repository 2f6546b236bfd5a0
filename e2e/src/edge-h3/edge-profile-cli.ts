import { runEdgeH3 } from './run-edge-h3.ts';

/** What `bench:e2e` hands over for `--edge NAME`. */
export interface EdgeProfileCliOptions {
  /** `--runs` as given (default 7). */
  runs: string;
  quick: boolean;
  /** `--out`: the results folder. */
  out: string;
}

/**
 * `npm run bench:e2e -- --edge h3 [--runs N] [--quick]`: the edge profile at
 * RTT 100 ms instead of the strategy matrix; prints its table and writes
 * edge-h3.json and edge-h3.md beside the matrix's results.
 */
export async function runEdgeProfile(name: string, options: EdgeProfileCliOptions): Promise<void> {
  if (name !== 'h3') throw new Error(`--edge: unknown profile "${name}" (h3)`);
  const runs = options.quick ? 3 : Number(options.runs);
  if (!(runs >= 1 && runs <= 50)) throw new Error('--runs must be 1-50');
  const results = await runEdgeH3({ rttMs: 100, runs, floorRuns: options.quick ? 1 : Math.min(3, runs), outDir: options.out, log: (line) => console.log(line) });
  console.log('');
  for (const row of results.rows) console.log(`${row.name}: first byte ${row.ttfbMs} ms (${row.ttfbRtt} RTT), load ${row.loadMs} ms (${row.loadRtt} RTT), extra RTT ${row.extraRtt ?? '-'}`);
  console.log(`HTTP/3: 0-RTT sent ${Math.round(results.zeroRttSentShare * 100)}%, request in 0-RTT ${Math.round(results.zeroRttUsedShare * 100)}%, first flight resent ${Math.round(results.resentShare * 100)}%; wrote edge-h3.json and edge-h3.md to ${options.out}`);
}
