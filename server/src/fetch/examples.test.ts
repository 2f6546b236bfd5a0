import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { FIXTURE_ASSETS, FIXTURE_FILES } from './test-support/fixture-site.ts';
import { readPushStream } from './test-support/read-push-stream.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = (name: string) => path.join(repoRoot, 'node_modules', '.bin', name);

/** Starts an example as a user would (its own entry file), on any free port. */
async function startExample(command: string, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, PORT: '0', DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}): ${output}`)));
  });
  return { url, child };
}

describe('the Deno and Bun examples serve a built site with digest delivery', () => {
  let site: string;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    site = await mkdtemp(path.join(os.tmpdir(), 'cache-digest-examples-'));
    for (const [file, { body }] of Object.entries(FIXTURE_FILES)) {
      await mkdir(path.dirname(path.join(site, file)), { recursive: true });
      await writeFile(path.join(site, file), body);
    }
    await writeFile(path.join(site, 'push-manifest.json'), JSON.stringify({ version: 1, pages: { '/index.html': FIXTURE_ASSETS } }));
  });
  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGTERM');
    await rm(site, { recursive: true, force: true });
  });

  // The source condition runs the workspace packages from src/, so the test does not
  // depend on a build (or on another test having run npm pack) in a fresh clone.
  it.each([
    ['deno', () => [bin('deno'), ['run', '--conditions=source', '--allow-net', '--allow-read', '--allow-env', 'examples/deno/main.ts', site]] as const],
    ['bun', () => [bin('bun'), ['--conditions=source', 'examples/bun/server.ts', site]] as const],
  ])('%s', async (_name, command) => {
    const [file, args] = command();
    const example = await startExample(file, [...args]);
    running.push(example.child);
    const response = await fetch(`${example.url}/`, { headers: { 'accept-push-stream': '1' } });
    expect(parseSummaryHeader(response.headers.get('cache-digest-push'))).toMatchObject({ mode: 'stream', pushed: FIXTURE_ASSETS.length });
    const { parts, fin } = await readPushStream(response);
    expect(fin).toBe(true);
    expect(parts.filter((part) => part.role === 'asset').map((part) => [part.url, part.body])).toEqual(
      FIXTURE_ASSETS.map((asset) => [asset.url, FIXTURE_FILES[asset.url]!.body]),
    );
    const asset = await fetch(`${example.url}/app.css`);
    expect(await asset.text()).toBe(FIXTURE_FILES['/app.css']!.body);
    expect((await fetch(`${example.url}/../../etc/passwd`)).status).toBe(404);
  });
});
