// The nginx variant in real Chromium over TCP, TLS 1.3 early data enabled in
// the browser: a returning visit after a deploy, on a new connection, sends
// its digest through nginx and gets only the new script in the push stream;
// nginx's log says whether the page request came in early data.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate, parseSummaryHeader, startServer, type RunningServer } from '@cache-digest/server';
import { startNginx, type RunningNginx } from './start-nginx.ts';
import { recordNetwork, visitUntilStatus } from './test-support/browser-network.ts';
import { edgeTestAssets, writeEdgeTestSite } from './test-support/edge-test-site.ts';

let workDir: string;
let root: string;
let kit: RunningServer;
let nginx: RunningNginx;
let context: BrowserContext;
let origin: string;
const network: string[] = [];

const startKit = (port = 0) => startServer({ root, port, injectLoader: true, certDir: path.join(workDir, 'certs'), log: false });

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-edge-nginx-chromium-'));
  root = path.join(workDir, 'site');
  await writeEdgeTestSite(root, 'v1');
  const certs = await ensureDevCertificate(path.join(workDir, 'certs'));
  kit = await startKit();
  nginx = await startNginx({ kitPort: kit.port, certPath: certs.certPath, keyPath: certs.keyPath, kitCaPath: certs.caPath, stateDir: path.join(workDir, 'nginx') });
  origin = nginx.url.replace(/\/$/, '');
  context = await chromium.launchPersistentContext(path.join(workDir, 'profile'), {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-features=EnableTLS13EarlyData', '--host-resolver-rules=MAP localhost 127.0.0.1', `--ignore-certificate-errors-spki-list=${certs.spki}`],
  });
  recordNetwork(context, network);
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await nginx?.close();
  await kit?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const visit = (status: string): Promise<Page> => visitUntilStatus(context, origin, status, network);

const pageRequests = async () =>
  (await nginx.accessLog())
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { proto: string; uri: string; status: number; early_data: string; reused: string; summary: string; digest: string; preload: string })
    .filter((entry) => entry.uri === '/');

describe('nginx in front of the kit, Chromium over TCP with TLS early data', () => {
  it('first visit over HTTP/2: the worker registers and stores the assets', async () => {
    const page = await visit('ready v1');
    expect(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol)).toBe('h2');
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 30_000 });
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const urls: string[] = [];
            for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
            return urls.sort();
          }),
        { timeout: 30_000 },
      )
      .toEqual(expect.arrayContaining(edgeTestAssets('v1')));
    await page.close();
  }, 90_000);

  it('after a deploy, a repeat visit on a resumed connection sends its digest through nginx and gets only the new script', async () => {
    await kit.close();
    await writeEdgeTestSite(root, 'v2');
    kit = await startKit(kit.port);
    // A new connection for the visit (the browser's pool flushed), resuming the TLS session.
    const internals = await context.newPage();
    await internals.goto('chrome://net-internals/#sockets');
    await internals.click('#sockets-view-flush-button');
    await internals.close();
    const page = await visit('ready v2');
    const repeat = (await pageRequests()).at(-1)!;
    expect(repeat.proto).toBe('HTTP/2.0');
    expect(repeat.reused).toBe('r');
    expect(`${repeat.digest} ${repeat.preload}`).toMatch(/[A-Za-z0-9_-]{4,}/);
    expect(parseSummaryHeader(repeat.summary)).toMatchObject({ mode: 'stream', pushed: 1, skipped: 2 });
    expect(network.filter((line) => line === `sw ${origin}/`)).toHaveLength(1);
    expect(network.filter((line) => edgeTestAssets('v2').some((asset) => line.endsWith(`${origin}${asset}`)))).toEqual([]);
    expect(network.filter((line) => !line.split(' ')[1]!.startsWith(`${origin}/`))).toEqual([]);
    console.log(`nginx: the repeat page request came ${repeat.early_data === '1' ? 'in TLS early data' : 'after the handshake'}`);
    await page.close();
  }, 90_000);
});
