/** What `bench:e2e` hands over for `--edge NAME`: its flags as given. */
export interface EdgeProfileCliOptions {
  /** `--runs` as given (default 7). */
  runs: string;
  /** `--floor-runs` when given (default min(3, runs)). */
  'floor-runs'?: string;
  /** `--profile` when given: one RTT in ms (default 100). */
  profile?: string;
  quick: boolean;
  /** `--out`: the results folder. */
  out: string;
  /** `--dry-run`: print the plan, run nothing. */
  'dry-run'?: boolean;
  /** The strategy matrix's flags that were given (`models`, `fresh-runs`…): the edge profile refuses them rather than ignore them. */
  matrixFlags?: readonly string[];
}

/** What the edge profile measures. */
export interface EdgeProfileSettings {
  rttMs: number;
  runs: number;
  floorRuns: number;
}

/** A flag the edge profile cannot honour, said before anything starts. */
export class EdgeProfileUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EdgeProfileUsageError';
  }
}

/**
 * The edge profile's settings from the bench's flags: `--profile` is one RTT
 * (the relays delay each packet; there is no bandwidth cap and no list),
 * `--runs` 1-50, `--floor-runs` 0-50 (0: no floor, so no "extra RTT"); the matrix's own flags are refused;
 * `--quick` is RTT 100, 3 runs, 1 floor run whatever else is given, as the
 * matrix's `--quick` is. Anything else is an {@link EdgeProfileUsageError}.
 */
export function edgeProfileSettings(options: EdgeProfileCliOptions): EdgeProfileSettings {
  if (options.matrixFlags && options.matrixFlags.length > 0) {
    throw new EdgeProfileUsageError(
      `--edge h3 measures its own two stacks (HTTP/3 and HTTP/2 via Caddy, returning visitor) and does not take ` +
        `${options.matrixFlags.map((name) => `--${name}`).join(', ')}: run the matrix without --edge for those`,
    );
  }
  if (options.quick) return { rttMs: 100, runs: 3, floorRuns: 1 };
  const runs = Number(options.runs);
  if (!(Number.isInteger(runs) && runs >= 1 && runs <= 50)) throw new EdgeProfileUsageError(`--edge h3: --runs must be 1-50, not "${options.runs}"`);
  const floorRuns = options['floor-runs'] === undefined ? Math.min(3, runs) : Number(options['floor-runs']);
  if (!(Number.isInteger(floorRuns) && floorRuns >= 0 && floorRuns <= 50)) throw new EdgeProfileUsageError(`--edge h3: --floor-runs must be 0-50, not "${options['floor-runs']}"`);
  const profile = options.profile?.trim() ?? '100';
  const rttMs = /^\d+$/.test(profile) ? Number(profile) : NaN;
  if (!(rttMs >= 1 && rttMs <= 2000)) {
    throw new EdgeProfileUsageError(`--edge h3: --profile must be one RTT in ms, 1-2000 (no list, no bandwidth cap), not "${options.profile}"`);
  }
  return { rttMs, runs, floorRuns };
}
