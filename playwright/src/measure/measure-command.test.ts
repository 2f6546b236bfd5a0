import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '@cache-digest/server';
import { CLI_NODE_ARGS } from '../../../server/src/cli/test-support/cli-command.ts';
import { writePlainSite } from '../../test-support/plain-static-server.ts';
import type { MeasureReport } from './measure-report.ts';

// `npx cache-digest measure` as a user runs it: the server package's bin
// (from the sources), which loads the command from this package, against a real local site.

let workDir: string;
let site: RunningServer;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-measure-'));
  await writePlainSite(path.join(workDir, 'site'));
  site = await startServer({ root: path.join(workDir, 'site'), certDir: path.join(workDir, 'certs'), log: false });
}, 60_000);

afterAll(async () => {
  await site?.close();
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
    expect(report.schemaVersion).toBe(1);
    expect(report.results.map((cell) => [cell.model, cell.rttMs])).toEqual([
      ['cold', 30],
      ['returning', 30],
    ]);
    const cold = report.results[0]!.median;
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
});
