import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEdgeProfile } from './edge-profile-cli.ts';
import { edgeProfileSettings, EdgeProfileUsageError } from './edge-profile-settings.ts';

const base = { runs: '7', quick: false, out: 'results' };

describe('edgeProfileSettings (bench:e2e --edge h3)', () => {
  it('honours --profile (one RTT), --runs and --floor-runs; defaults RTT 100 and min(3, runs) floor runs', () => {
    expect(edgeProfileSettings(base)).toEqual({ rttMs: 100, runs: 7, floorRuns: 3 });
    expect(edgeProfileSettings({ ...base, runs: '2' })).toEqual({ rttMs: 100, runs: 2, floorRuns: 2 });
    expect(edgeProfileSettings({ ...base, profile: '300', 'floor-runs': '0' })).toEqual({ rttMs: 300, runs: 7, floorRuns: 0 });
    expect(edgeProfileSettings({ ...base, profile: ' 20 ', runs: '5', 'floor-runs': '4' })).toEqual({ rttMs: 20, runs: 5, floorRuns: 4 });
  });

  it('--quick is RTT 100, 3 runs, 1 floor run, as the matrix overrides the rest', () => {
    expect(edgeProfileSettings({ ...base, quick: true, profile: '300', 'floor-runs': '5' })).toEqual({ rttMs: 100, runs: 3, floorRuns: 1 });
  });

  it('refuses what it cannot honour with a usage error naming the flag', () => {
    for (const [options, flag] of [
      [{ ...base, profile: '20,100' }, '--profile'],
      [{ ...base, profile: '300-5mbit' }, '--profile'],
      [{ ...base, profile: '0' }, '--profile'],
      [{ ...base, profile: '5000' }, '--profile'],
      [{ ...base, runs: '0' }, '--runs'],
      [{ ...base, runs: 'x' }, '--runs'],
      [{ ...base, 'floor-runs': '51' }, '--floor-runs'],
      [{ ...base, 'floor-runs': '1.5' }, '--floor-runs'],
    ] as const) {
      expect(() => edgeProfileSettings(options)).toThrow(EdgeProfileUsageError);
      expect(() => edgeProfileSettings(options)).toThrow(new RegExp(`^--edge h3: ${flag} `));
    }
  });

  it('refuses the strategy matrix flags rather than ignore them, naming each', () => {
    const refuse = () => edgeProfileSettings({ ...base, matrixFlags: ['models', 'fresh-runs'] });
    expect(refuse).toThrow(EdgeProfileUsageError);
    expect(refuse).toThrow(/^--edge h3 .*does not take --models, --fresh-runs/);
    expect(edgeProfileSettings({ ...base, matrixFlags: [] })).toEqual({ rttMs: 100, runs: 7, floorRuns: 3 });
  });

  it('--dry-run prints the plan and starts nothing, writes nothing (it used to run the whole profile)', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'edge-dry-run-'));
    try {
      await runEdgeProfile('h3', { ...base, quick: true, out, 'dry-run': true });
      expect(await readdir(out)).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
