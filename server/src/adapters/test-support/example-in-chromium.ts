// Test support for the examples' Chromium tests (Express, workerd): start an
// example's command on a free port, record what crosses the network through a
// proxy in front of it, and visit a page until the worker's caches settle.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/** The repository root: examples run from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A running example. */
export interface RunningExample {
  port: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Runs `node ...args` from the repository root with `env` added; resolves with
 * the port of the first URL its output matches (`url`, port in group 1).
 */
export async function startExample(name: string, args: string[], env: NodeJS.ProcessEnv, url: RegExp, timeoutMs = 90_000): Promise<RunningExample> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = url.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${output}`)));
  });
  return {
    port,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
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

// Runs in the page: waits until the worker controls it and its caches stop growing.
const WAIT_FOR_WORKER_CACHE = `(async () => {
  await Promise.race([navigator.serviceWorker.ready, new Promise((resolve) => setTimeout(resolve, 5000))]);
  let previous = -1, stable = 0;
  for (let i = 0; i < 50 && stable < 3; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    let current = 0;
    for (const name of await caches.keys()) current += (await (await caches.open(name)).keys()).length;
    stable = current === previous && current > 0 ? stable + 1 : 0;
    previous = current;
  }
})()`;

/**
 * Navigates `tab` to `url` and waits for the page's own ready flag
 * (`document.documentElement.dataset[readyFlag] === 'true'`) and, with
 * `settle`, for the worker's caches to stop growing.
 */
export async function visitPage(tab: Page, url: string, options: { readyFlag: string; settle: boolean }): Promise<void> {
  await tab.goto(url, { waitUntil: 'load', timeout: 60_000 });
  await tab.waitForFunction((flag) => document.documentElement.dataset[flag] === 'true', options.readyFlag, { timeout: 60_000 });
  if (options.settle) await tab.evaluate(WAIT_FOR_WORKER_CACHE);
}
