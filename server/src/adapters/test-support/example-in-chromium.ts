// Test support for the examples' Chromium tests (Express, workerd): start an
// example's command on a free port, record what crosses the network through a
// proxy in front of it, and visit a page until the worker's caches settle.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { waitForWorkerCache } from '@cache-digest/playwright';

/** The repository root: examples run from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A running example. */
export interface RunningExample {
  port: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, waits for the exit, then kills whatever is left of its process group. */
  stop(): Promise<void>;
}

/**
 * Runs `node ...args` from the repository root with `env` added; resolves with
 * the port of the first URL its output matches (`url`, port in group 1). The
 * example runs in its own process group (workerd's runs a workerd child): when
 * it does not start (timeout, early exit), the whole group is killed before
 * the promise rejects, so nothing is left holding a port or the CPU.
 */
export async function startExample(name: string, args: string[], env: NodeJS.ProcessEnv, url: RegExp, timeoutMs = 90_000): Promise<RunningExample> {
  const ownGroup = process.platform !== 'win32';
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (ownGroup && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // Already gone (ESRCH).
    }
  };
  let output = '';
  let timer: NodeJS.Timeout | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms: ${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = url.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${output}`)));
  }).catch(async (error: unknown) => {
    // A grandchild may outlive the example's own exit: the group goes either way.
    killGroup('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await exited;
    throw error;
  }).finally(() => clearTimeout(timer));
  return {
    port,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      // What the example started and left behind.
      killGroup('SIGKILL');
    },
  };
}

/** A recording proxy: `seen` holds one entry per response, as `record` describes it. */
export interface RecordingProxy<T> {
  port: number;
  seen: T[];
  /** Where requests go; may change between visits (a redeploy behind the same origin). */
  target: { port: number };
  close(): Promise<void>;
}

/**
 * An HTTP/1.1 proxy on loopback in front of `targetPort`, so that a test sees
 * what crosses the network (and the browser's origin survives a restart of
 * the example). `record` turns each upstream response into an entry; it may
 * also listen to the response's data, which is piped on unchanged.
 */
export async function startRecordingProxy<T>(
  targetPort: number,
  record: (req: http.IncomingMessage, answer: http.IncomingMessage, startedAt: number) => T,
): Promise<RecordingProxy<T>> {
  const seen: T[] = [];
  const target = { port: targetPort };
  const server = http.createServer((req, res) => {
    const startedAt = performance.now();
    const upstream = http.request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      seen.push(record(req, answer, startedAt));
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    target,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Navigates `tab` to `url` and waits for the page's own ready flag
 * (`document.documentElement.dataset[readyFlag] === 'true'`) and, with
 * `settle`, for the worker's caches to stop growing.
 */
export async function visitPage(tab: Page, url: string, options: { readyFlag: string; settle: boolean }): Promise<void> {
  await tab.goto(url, { waitUntil: 'load', timeout: 60_000 });
  await tab.waitForFunction((flag) => document.documentElement.dataset[flag] === 'true', options.readyFlag, { timeout: 60_000 });
  if (options.settle) await waitForWorkerCache(tab);
}
