import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate, startServer, type RunningServer } from '@cache-digest/server';
import { CLI_NODE_ARGS } from '../../../server/src/cli/test-support/cli-command.ts';
import { startPlainStaticServer, writePlainSite, type PlainStaticServer } from '../../test-support/plain-static-server.ts';
import { MeasureError } from './measure-error.ts';
import { MeasureIncompleteError } from './measure-incomplete-error.ts';
import type { MeasureReport } from './measure-report.ts';
import { runMeasure } from './run-measure.ts';

// `npx cache-digest measure` as a user runs it: the server package's bin
// (from the sources), which loads the command from this package, against a real local site.

let workDir: string;
let site: RunningServer;
// The same site on plain servers with the same certificate: one fails chosen page requests, one fails them all.
let flaky: PlainStaticServer;
let broken: PlainStaticServer;
let flakyPageRequests = 0;
/** Page requests of the flaky server that fail, by number (1-based), and how. */
const FLAKY_FAULTS = new Map<number, 'error' | 'reset'>([
  [3, 'error'],
  [5, 'reset'],
  [6, 'error'],
]);

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-measure-'));
  await writePlainSite(path.join(workDir, 'site'));
  site = await startServer({ root: path.join(workDir, 'site'), certDir: path.join(workDir, 'certs'), log: false });
  const tls = await ensureDevCertificate(path.join(workDir, 'certs'));
  flaky = await startPlainStaticServer(path.join(workDir, 'site'), tls, {
    fault: (urlPath) => (urlPath === '/' ? FLAKY_FAULTS.get((flakyPageRequests += 1)) : undefined),
  });
  broken = await startPlainStaticServer(path.join(workDir, 'site'), tls, { fault: (urlPath) => (urlPath === '/' ? 'error' : undefined) });
}, 60_000);

afterAll(async () => {
  await site?.close();
  await flaky?.close();
  await broken?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function measure(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'measure', ...args], { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cache-digest measure', () => {
  it('measures a local site: a table per visit model, progress, JSON and SVG', async () => {
    const out = path.join(workDir, 'out');
    const url = `https://localhost:${site.port}/`;
    const result = await measure([url, '--spki', site.spki, '--rtt', '30', '--runs', '1', '--models', 'cold,returning', '--out', out]);
    expect(result.stderr).toMatch(/measure \[1\/4\] /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^cold visit \(medians\)/m);
    expect(result.stdout).toMatch(/^returning visitor \(medians\)/m);
    const report = JSON.parse(await readFile(path.join(out, 'measure.json'), 'utf8')) as MeasureReport;
    expect(report.schemaVersion).toBe(2);
    expect(report.error).toBeNull();
    expect(report.results.map((cell) => [cell.status, cell.attempts.measured, cell.attempts.failedAttempts])).toEqual([
      ['complete', 1, 0],
      ['complete', 1, 0],
    ]);
    expect(report.results.map((cell) => [cell.model, cell.rttMs])).toEqual([
      ['cold', 30],
      ['returning', 30],
    ]);
    const cold = report.results[0]!.median!;
    // A first visit fetches the page's four assets; the kit summarised the page.
    expect(cold.assets.network.count).toBe(4);
    expect(cold.summary?.mode).toBeDefined();
    expect(cold.loadMs).toBeGreaterThan(3 * 30);
    expect(typeof cold.extraRoundTrips).toBe('number');
    expect(await readFile(path.join(out, 'measure.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*returning visitor[\s\S]*<\/svg>\n$/);
  }, 180_000);

  it('a bad URL: one line, exit 2', async () => {
    const result = await measure(['http://localhost/']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cache-digest measure: not an https URL: "http:\/\/localhost\/"/)]);
    expect((await measure(['not a url'])).stderr).toMatch(/^cache-digest measure: not a URL: "not a url"/);
  }, 60_000);

  it('a refused connection: one line, exit 1', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await measure([`https://127.0.0.1:${port}/`, '--runs', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([`cache-digest measure: connection refused by 127.0.0.1:${port}`]);
  }, 60_000);

  it('an untrusted certificate: one line naming the SPKI to trust, exit 1', async () => {
    const result = await measure([`https://localhost:${site.port}/`, '--runs', '1']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cache-digest measure: certificate error for localhost:\d+: \w+/);
    expect(lines[0]).toContain(`--spki ${site.spki}`);
  }, 60_000);

  it('a flaky site: failed visits are logged and retried, a lost run marks the cell partial, only successful visits are measured', async () => {
    const out = path.join(workDir, 'out-flaky');
    const url = `https://localhost:${flaky.port}/`;
    const result = await measure([url, '--spki', site.spki, '--rtt', '5', '--runs', '2', '--models', 'cold', '--retries', '1', '--out', out]);
    expect(result.code).toBe(0);
    // Two floor visits (page requests 1-2); run 1 fails once (3: a 500) and succeeds (4); run 2 fails twice (5: a reset stream, 6: a 500) and is lost.
    const failures = result.stderr.split('\n').filter((line) => line.startsWith('measure failed '));
    expect(failures).toEqual([
      expect.stringMatching(new RegExp(`^measure failed ${url} cold RTT 5 ms run 1/2 attempt 1/2: ${url} answered 500: .* \\(retrying\\)$`)),
      expect.stringMatching(new RegExp(`^measure failed ${url} cold RTT 5 ms run 2/2 attempt 1/2: \\S.* \\(retrying\\)$`)),
      expect.stringMatching(new RegExp(`^measure failed ${url} cold RTT 5 ms run 2/2 attempt 2/2: ${url} answered 500: .* \\(run lost\\)$`)),
    ]);
    expect(failures[1]).not.toMatch(/answered/);
    expect(failures.join('\n')).not.toMatch(/load \d+ ms/);
    expect(result.stderr).toMatch(/RTT 5 ms run 1\/2: load \d+ ms \(attempt 2\)/);
    expect(result.stderr).not.toMatch(/RTT 5 ms run 2\/2: load/);
    const report = JSON.parse(await readFile(path.join(out, 'measure.json'), 'utf8')) as MeasureReport;
    const [cell] = report.results;
    expect(cell).toMatchObject({ status: 'partial', attempts: { asked: 2, measured: 1, failedAttempts: 3, retried: 1 }, floorAttempts: { measured: 2, failedAttempts: 0 } });
    // The one reported run is a full page load (its four assets), never an error page or a dropped response.
    expect(cell!.runs).toHaveLength(1);
    expect(cell!.runs[0]!.assets.network.count).toBe(4);
    expect(cell!.median).toEqual(cell!.runs[0]);
    expect(result.stdout).toMatch(new RegExp(`^${url} @ 5 ms\\s+1/2 partial\\s+3/1\\s+\\d+`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^! ${url} @ 5 ms: only 1 of 2 runs measured .*; 3 failed attempts, last: ${url} answered 500`, 'm'));
    expect(flakyPageRequests).toBe(6);
  }, 180_000);

  it('a site that always fails: the other site is still reported, then a typed one-line error and exit 1', async () => {
    const out = path.join(workDir, 'out-broken');
    const good = `https://localhost:${site.port}/`;
    const bad = `https://localhost:${broken.port}/`;
    const result = await measure([good, '--compare', bad, '--spki', site.spki, '--rtt', '5,10', '--runs', '1', '--models', 'cold', '--retries', '0', '--max-failures', '2', '--out', out]);
    expect(result.code).toBe(1);
    // No retries: the bad site's floor visit fails, then its RTT-5 run: the failure budget (2) is spent and RTT 10 is not tried.
    expect(result.stderr.split('\n').filter((line) => line.startsWith('measure failed '))).toEqual([
      expect.stringMatching(new RegExp(`^measure failed ${bad} cold RTT 0 ms run 1/1 attempt 1/1: .*answered 500.* \\(run lost\\)$`)),
      expect.stringMatching(new RegExp(`^measure failed ${bad} cold RTT 5 ms run 1/1 attempt 1/1: .*answered 500.* \\(run lost, 2 failed attempts: giving up \\(--max-failures 2\\)\\)$`)),
    ]);
    const last = result.stderr.trim().split('\n').at(-1);
    expect(last).toBe(
      `cache-digest measure: no successful visit of ${bad} (cold visit, RTT 5 ms): 1 failed attempt, last: ${bad} answered 500: an error page is not a visit to measure; ` +
        '1 cell not measured: gave up after 2 failed attempts (--max-failures 2)',
    );
    expect(result.stdout).toMatch(new RegExp(`^${good} @ 10 ms\\s+1/1\\s+0/0\\s+\\d+`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^${bad} @ 5 ms\\s+0/1 failed\\s+1/0(\\s+-){10}$`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^! ${bad} @ 10 ms: not measured`, 'm'));
    const report = JSON.parse(await readFile(path.join(out, 'measure.json'), 'utf8')) as MeasureReport;
    expect(report.error).toBe(last!.replace('cache-digest measure: ', ''));
    expect(report.results.map((cell) => [cell.url, cell.rttMs, cell.status, cell.runs.length])).toEqual([
      [good, 5, 'complete', 1],
      [good, 10, 'complete', 1],
      [bad, 5, 'failed', 0],
      [bad, 10, 'skipped', 0],
    ]);
    expect(report.results[2]!.median).toBeNull();
    expect(report.results[2]!.floorAfterFirstByteMs).toBeNull();
  }, 180_000);
});

describe('runMeasure', () => {
  it('rejects with a MeasureIncompleteError carrying every cell when a cell has no successful visit', async () => {
    const bad = `https://localhost:${broken.port}/`;
    const lines: string[] = [];
    const settings = { urls: [bad], rttMs: [5], bandwidthBytesPerSecond: null, runs: 1, models: ['cold' as const], spki: [site.spki], outDir: '', retries: 0, maxFailures: 20 };
    const error = await runMeasure(settings, (line) => lines.push(line)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MeasureIncompleteError);
    expect(error).toBeInstanceOf(MeasureError);
    const incomplete = error as MeasureIncompleteError;
    expect(incomplete.message).toMatch(new RegExp(`^no successful visit of ${bad} \\(cold visit, RTT 5 ms\\): 1 failed attempt, last: ${bad} answered 500`));
    expect(incomplete.cells.map((cell) => [cell.status, cell.attempts.failedAttempts, cell.floorAttempts.failedAttempts, cell.median])).toEqual([['failed', 1, 1, null]]);
    expect(incomplete.failedCells).toEqual(incomplete.cells);
    expect(lines).toHaveLength(2);
  }, 120_000);
});
