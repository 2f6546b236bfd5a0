import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleModule } from './bundle-module.ts';
import { StreamPieceCache } from '../../adapters/stream-pieces.ts';
import { encodeStreamPieces } from '../../compression/encode-stream-pieces.ts';
import { fixtureHandler, PRE_FILES, preModule, type PrebuiltPieces } from './fixture-site.ts';

/** A fetch handler running in a real runtime, reachable over HTTP/1.1 on loopback. */
export interface RunningRuntime {
  url: string;
  /**
   * What the runtime printed so far (stdout and stderr): an uncaught error or unhandled rejection in the handler shows
   * up here (workerd: `Uncaught`, Deno and Bun: `error:`). Node runs in the test process, where vitest fails the run on one.
   */
  output(): string;
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = (name: string) => path.resolve(here, '../../../../node_modules/.bin', name);

/** The fixture's pieces files, made as the build step makes them (node:zlib): JSON for the runtime's `PIECES`. */
async function fixturePieces(): Promise<string> {
  const cache = new StreamPieceCache();
  const made = async (body: string) => Buffer.from(encodeStreamPieces(await cache.pieces('/', { 'content-type': 'text/javascript' }, new TextEncoder().encode(body)))).toString('base64');
  const pieces: PrebuiltPieces = {
    '/pre.js.pieces': await made(PRE_FILES['/pre.js']!.body as string),
    '/stale.js.pieces': await made(preModule('stale', 200, 1)),
  };
  return JSON.stringify(pieces);
}

/** Bundles the runtime's fixture entry into a temporary directory. */
async function bundledEntry(runtime: 'workerd' | 'deno' | 'bun'): Promise<{ file: string; code: string; cleanup(): void }> {
  const code = await bundleModule(path.join(here, `${runtime}-entry.ts`));
  const dir = mkdtempSync(path.join(tmpdir(), `cache-digest-${runtime}-`));
  const file = path.join(dir, 'worker.mjs');
  writeFileSync(file, code);
  return { file, code, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** workerd, through Miniflare (which runs the real workerd binary, without wrangler's network calls). */
export async function launchWorkerd(origin: string): Promise<RunningRuntime> {
  const { Miniflare } = await import('miniflare');
  const { code, cleanup } = await bundledEntry('workerd');
  cleanup();
  let output = '';
  const collect = (stream: NodeJS.ReadableStream) => stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const mf = new Miniflare({
    modules: true,
    script: code,
    bindings: { ORIGIN: origin, PIECES: await fixturePieces() },
    host: '127.0.0.1',
    port: 0,
    compatibilityDate: '2025-09-01',
    handleRuntimeStdio: (stdout, stderr) => {
      collect(stdout);
      collect(stderr);
    },
  });
  const url = await mf.ready;
  return { url: url.origin, output: () => output, stop: () => mf.dispose() };
}

/** A child process that prints `listening <port>`. */
async function launchChild(command: string, args: string[], origin: string, cleanup: () => void): Promise<RunningRuntime> {
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ORIGIN: origin, PIECES: await fixturePieces(), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (status) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${status}): ${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      cleanup();
    },
  };
}

/** Deno (npm `deno`), with network and environment access only. */
export async function launchDeno(origin: string): Promise<RunningRuntime> {
  const { file, cleanup } = await bundledEntry('deno');
  return launchChild(bin('deno'), ['run', '--allow-net', '--allow-env', '--no-prompt', file], origin, cleanup);
}

/** Bun (npm `bun`). */
export async function launchBun(origin: string): Promise<RunningRuntime> {
  const { file, cleanup } = await bundledEntry('bun');
  return launchChild(bin('bun'), [file], origin, cleanup);
}

/** Node: the same handler behind a minimal node:http bridge (Request in, Response out). */
export async function launchNode(origin: string): Promise<RunningRuntime> {
  return serveOnNode(fixtureHandler(origin, await fixturePieces()));
}

/** A fetch handler behind a minimal node:http bridge on loopback (Request in, Response out). */
export async function serveOnNode(handler: (request: Request) => Promise<Response>): Promise<RunningRuntime> {
  const server = http.createServer(async (req, res) => {
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    const response = await handler(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, signal: abort.signal }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) {
      res.end();
      return;
    }
    try {
      for await (const chunk of response.body) res.write(chunk);
      res.end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    output: () => '',
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
