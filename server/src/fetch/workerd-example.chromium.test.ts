import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoSite, type BuiltSite } from '../../../e2e/src/harness/build-demo-site.ts';
import { launchChromium } from '../../../e2e/src/harness/launch-chromium.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** `npm run example:workerd` on a given build, any free port; resolves with its port. */
async function startExample(dist: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'example-workerd.mjs')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', DIST: dist },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`example:workerd did not start: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`example:workerd exited (${code}): ${output}`)));
  });
  return { port, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Seen {
  path: string;
  digest: boolean;
  summary: string | undefined;
  streamed: string | undefined;
}

/**
 * What crosses the network: a recording proxy in front of workerd, so that
 * the browser's origin (http://localhost:<proxy>) survives a redeploy.
 */
async function startRecordingProxy(): Promise<{ port: number; seen: Seen[]; target: { port: number }; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const target = { port: 0 };
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      seen.push({
        path: req.url ?? '',
        digest: Boolean(req.headers['cache-digest'] ?? /cache-digest=/.test(String(req.headers['service-worker-navigation-preload'] ?? ''))),
        summary: answer.headers['cache-digest-push'] as string | undefined,
        streamed: answer.headers['push-stream-urls'] as string | undefined,
      });
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
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
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

describe('the Cloudflare Worker example on workerd with real Chromium and the real Service Worker', () => {
  let workDir: string;
  let v1: BuiltSite;
  let v2: BuiltSite;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let example: { port: number; child: ChildProcess } | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'cache-digest-workerd-'));
    v1 = await buildDemoSite({ workDir, outDir: path.join(workDir, 'v1') });
    v2 = await buildDemoSite({ workDir, outDir: path.join(workDir, 'v2'), deploy: true });
    proxy = await startRecordingProxy();
  }, 180_000);
  afterAll(async () => {
    if (example) await stop(example.child);
    await proxy?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  async function visit(userDataDir: string, page: string, prime: boolean): Promise<void> {
    const context = await launchChromium({ userDataDir, spki: '', serviceWorkers: 'allow' });
    try {
      const tab = context.pages()[0] ?? (await context.newPage());
      await tab.goto(`http://localhost:${proxy.port}${page}`, { waitUntil: 'load', timeout: 60_000 });
      await tab.waitForFunction(() => document.documentElement.dataset.demoReady === 'true', null, { timeout: 60_000 });
      if (prime) await tab.evaluate(WAIT_FOR_WORKER_CACHE);
    } finally {
      await context.close();
    }
  }

  it('a repeat visit sends the digest and no asset crosses the network; after a deploy only the changed assets arrive, in the stream', async () => {
    const userDataDir = path.join(workDir, 'profile');
    const page = '/';
    const manifest = async (site: BuiltSite) => JSON.parse(await readFile(path.join(site.dir, 'push-manifest.json'), 'utf8')) as { pages: Record<string, { url: string }[]> };
    const urls = async (site: BuiltSite) => (await manifest(site)).pages['/index.html']!.map((asset) => asset.url);
    const before = await urls(v1);
    const after = await urls(v2);
    const changed = after.filter((url) => !before.includes(url));
    expect(changed.length).toBeGreaterThan(0);

    example = await startExample(v1.dir);
    proxy.target.port = example.port;
    await visit(userDataDir, page, true);
    expect(proxy.seen.some((entry) => before.includes(entry.path))).toBe(true); // the first visit loads them

    proxy.seen.length = 0;
    await visit(userDataDir, page, false);
    const navigation = proxy.seen.find((entry) => entry.path === page)!;
    expect(navigation.digest).toBe(true);
    expect(parseSummaryHeader(navigation.summary)).toMatchObject({ mode: 'stream', pushed: 0, skipped: before.length });
    expect(proxy.seen.filter((entry) => before.includes(entry.path)).map((entry) => entry.path)).toEqual([]);

    // Deploy v2 behind the same origin.
    await stop(example.child);
    example = await startExample(v2.dir);
    proxy.target.port = example.port;
    proxy.seen.length = 0;
    await visit(userDataDir, page, false);
    const redeployed = proxy.seen.find((entry) => entry.path === page)!;
    expect(redeployed.digest).toBe(true);
    expect(parseSummaryHeader(redeployed.summary)).toMatchObject({ mode: 'stream', pushed: changed.length });
    expect(redeployed.streamed?.split(', ').sort()).toEqual([...changed].sort());
    expect(proxy.seen.filter((entry) => after.includes(entry.path)).map((entry) => entry.path)).toEqual([]);
  }, 240_000);
});
