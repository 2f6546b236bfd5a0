// `npm run example:edge` as a user runs it (on an already built site): both
// servers start on free ports, the URL and the `spki:` line are printed, the
// edge answers over HTTP/2 and HTTP/1.1 with the kit's headers, and SIGTERM
// stops both.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:http2';
import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '@cache-digest/server';
import { writeEdgeTestSite } from './test-support/edge-test-site.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let workDir: string;
let child: ChildProcess;
let output = '';
let url: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-example-edge-'));
  await writeEdgeTestSite(path.join(workDir, 'site'), 'v1');
  child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'tsx'), ['--conditions=source', 'examples/edge/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, DIST: path.join(workDir, 'site'), PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`example:edge did not start:\n${output}`)), 45_000);
    const check = (): void => {
      const match = /at (https:\/\/localhost:\d+\/)\n/.exec(output);
      if (match && /^spki: \S+$/m.test(output)) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`example:edge exited (${code}):\n${output}`)));
  });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('npm run example:edge', () => {
  it('serves the site through Caddy over HTTP/2 (a push stream on request) and HTTP/1.1 (the kit headers kept)', async () => {
    const session = connect(url, { rejectUnauthorized: false });
    const h2 = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const stream = session.request({ ':path': '/', 'accept-push-stream': '1' });
      const chunks: Buffer[] = [];
      let headers: Record<string, unknown> = {};
      stream.on('response', (received) => (headers = received));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ headers, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
    });
    session.close();
    expect(h2.headers[':status']).toBe(200);
    expect(String(h2.headers['alt-svc'])).toMatch(/h3=":\d+"/);
    expect(String(h2.headers['content-type'])).toContain('application/vnd.cache-digest.push-stream');
    expect(parseSummaryHeader(String(h2.headers['cache-digest-push']))).toMatchObject({ mode: 'stream', digest: 0, pushed: 3 });
    expect(h2.body.includes(Buffer.from("textContent = 'ready v1'"))).toBe(true);

    const h1 = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      request(url, { rejectUnauthorized: false }, (response) => {
        response.resume().on('end', () => resolve(response.headers));
      }).on('error', reject).end();
    });
    expect(parseSummaryHeader(String(h1['cache-digest-push']))).toMatchObject({ mode: 'hints', pushed: 3 });
    expect(String(h1['link'])).toContain('</app.v1.js>; rel=preload; as=script');
  });

  it('SIGTERM stops the kit and Caddy', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(url).catch((error: Error) => error)).resolves.toBeInstanceOf(Error);
  });
});
