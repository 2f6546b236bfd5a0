// Real Chromium with the real worker, through a byte-counting TCP relay: after a deploy
// (each version served from its own build directory, the new server given the old one as
// `previousBuilds`), the changed modules arrive as delta parts against the files the worker
// holds, decode to the new files' exact bytes, and the page renders; a base the worker no
// longer holds (its digest still lists it: a false positive) makes that part void and the
// asset comes from the network, never a corrupt cache entry.
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { startServer, type RunningServer } from './start-server.ts';
import { ByteCountingRelay, launchTestChromium } from './test-support/byte-counting-relay.ts';

// A big module (random text that gzip cannot shrink much: only a delta can) and a small one.
const DATA = randomBytes(18_000).toString('base64');
const main = (version: number) => `window.data=${JSON.stringify(DATA)};\nwindow.mainVersion=${version};\n`;
const format = (version: number) => `window.formatVersion=${version};\n${'window.pad=(window.pad||0)+1;\n'.repeat(20)}`;
const page = (names: [string, string]) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>t</title>${names.map((name) => `<script src="/assets/${name}" defer></script>`).join('')}` +
  `<script src="/assets/show-Dk3mQ8xZ.js" defer></script></head><body><p id="status">loading</p></body></html>\n`;
const SHOW = `document.getElementById('status').textContent='ready '+window.mainVersion+' '+window.formatVersion+' '+window.data.length;\n`;
const V1 = { 'index.html': page(['main-Bq3xL9aZ.js', 'format-Hn2Tw7Rc.js']), 'assets/main-Bq3xL9aZ.js': main(1), 'assets/format-Hn2Tw7Rc.js': format(1), 'assets/show-Dk3mQ8xZ.js': SHOW };
const V2 = { 'index.html': page(['main-C7kPq2Wm.js', 'format-Jx5Vb1Ny.js']), 'assets/main-C7kPq2Wm.js': main(2), 'assets/format-Jx5Vb1Ny.js': format(2), 'assets/show-Dk3mQ8xZ.js': SHOW };

let workDir: string;
const servers: RunningServer[] = [];
let relay: ByteCountingRelay;
let context: BrowserContext;

async function build(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(workDir, name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-delta-chromium-'));
  const v1 = await build('v1', V1);
  const v2 = await build('v2', V2);
  const certDir = path.join(workDir, 'certs');
  // The visit after the deploy is the first to need each pair: it waits for them here (the budget has its own test).
  servers.push(await startServer({ root: v1, mode: 'stream', injectLoader: true, certDir, log: false }));
  servers.push(await startServer({ root: v2, mode: 'stream', injectLoader: true, certDir, log: false, previousBuilds: [v1], deltaWaitMs: 10_000 }));
  relay = await ByteCountingRelay.start(Number(new URL(servers[0]!.url).port));
  context = await launchTestChromium(workDir, servers[0]!.spki);
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await relay?.close();
  for (const server of servers) await server.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function visit(expected: string): Promise<{ page: Page; summary: ReturnType<typeof parseSummaryHeader> }> {
  const tab = await context.newPage();
  const response = await tab.goto(`${relay.origin}/`);
  await tab.waitForFunction((text) => document.getElementById('status')?.textContent === text, expected, { timeout: 30_000 });
  return { page: tab, summary: parseSummaryHeader(response?.headers()['cache-digest-push']) };
}

/** The worker's cached bodies for these paths (null: not cached), from every cache. */
const cached = (tab: Page, paths: string[]) =>
  tab.evaluate(async (urls) => {
    const out: Record<string, string | null> = {};
    for (const url of urls) out[url] = (await caches.match(url, { ignoreVary: true }).then((response) => response?.text())) ?? null;
    return out;
  }, paths);

describe('delta parts in Chromium with the real worker', () => {
  it('after a deploy the changed modules arrive as deltas against the cached files, exact; a base the worker lost falls back to the network', async () => {
    const ready = (version: number) => `ready ${version} ${version} ${DATA.length}`;
    const first = await visit(ready(1));
    await first.page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 30_000 });
    await first.page.close();
    // A controlled visit: the worker takes v1's modules from the stream into its cache.
    const second = await visit(ready(1));
    const v1Paths = ['/assets/main-Bq3xL9aZ.js', '/assets/format-Hn2Tw7Rc.js'];
    await expect.poll(async () => Object.values(await cached(second.page, v1Paths)).every((text) => text !== null), { timeout: 30_000 }).toBe(true);
    // The worker loses format's v1 file while its digest index still lists it: the deploy's digest claims a base it lacks.
    await second.page.evaluate(async () => {
      for (const name of await caches.keys()) await (await caches.open(name)).delete('/assets/format-Hn2Tw7Rc.js');
    });
    await second.page.close();

    // The deploy: v2 from its own build directory, with v1 as previous build. Connections are dropped so the visit reaches it.
    relay.target = Number(new URL(servers[1]!.url).port);
    relay.dropConnections();
    relay.downBytes = 0;
    const deployed = await visit(ready(2));
    expect(deployed.summary).toMatchObject({ mode: 'stream', pushed: 2 });
    const v2Paths = ['/assets/main-C7kPq2Wm.js', '/assets/format-Jx5Vb1Ny.js'];
    await expect.poll(async () => Object.values(await cached(deployed.page, v2Paths)).every((text) => text !== null), { timeout: 30_000 }).toBe(true);
    const held = await cached(deployed.page, v2Paths);
    // Exact bytes: main decoded from its delta, format fetched from the network after its delta part was void.
    expect(held['/assets/main-C7kPq2Wm.js'] === V2['assets/main-C7kPq2Wm.js']).toBe(true);
    expect(held['/assets/format-Jx5Vb1Ny.js'] === V2['assets/format-Jx5Vb1Ny.js']).toBe(true);
    // main's 24 KB of random text would cost at least 18 KB as a whole part: the visit's bytes (TLS, page, stream, format) are far less.
    expect(relay.downBytes).toBeLessThan(12_000);
    await deployed.page.close();
  }, 120_000);
});
