import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate, startServer, type RunningServer } from '@cache-digest/server';
import { buildDemoSite } from '../../e2e/src/harness/build-demo-site.ts';
import { PLAIN_SITE_ASSETS, startPlainStaticServer, writePlainSite, type PlainStaticServer } from '../test-support/plain-static-server.ts';
import { latencyFixtures, type LatencyOptions, type LatencyTester } from './fixture.ts';

// The fixture as Playwright Test would drive it (fixture functions called
// with a `use` callback), against the demo behind `cache-digest serve` and a
// plain static folder served without the kit, in real Chromium.
let workDir: string;
let spki: string;
let kit: RunningServer;
let plain: PlainStaticServer;
let plainDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-fixture-'));
  const certDir = path.join(workDir, 'certs');
  const certificate = await ensureDevCertificate(certDir);
  spki = certificate.spki;
  const demo = await buildDemoSite({ workDir, outDir: path.join(workDir, 'demo') });
  kit = await startServer({ root: demo.dir, certDir, log: false });
  plainDir = path.join(workDir, 'plain');
  await writePlainSite(plainDir);
  plain = await startPlainStaticServer(plainDir, certificate);
}, 120_000);

afterAll(async () => {
  await kit?.close();
  await plain?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Runs the `latency` fixture (and `emulatedPage` when asked) around `body`, as the test runner would. */
async function withFixture(options: LatencyOptions, body: (fixtures: { latency: LatencyTester }) => Promise<void>): Promise<void> {
  await latencyFixtures.latency({ latencyOptions: options }, (latency) => body({ latency }));
}

describe('latencyFixtures', () => {
  it('warm visit: the kit sends 0 asset bytes, the plain server sends them all', async () => {
    await withFixture({ rttMs: 10, spki: [spki] }, async ({ latency }) => {
      const digest = await latency.visit(`https://localhost:${kit.port}/`, 'warm');
      expect(digest.assetBytesFromNetwork).toBe(0);
      expect(digest.assets.network.count).toBe(0);
      expect(digest.assets.worker.count).toBeGreaterThanOrEqual(28);
      expect(digest.summary).toMatchObject({ mode: 'stream', pushed: 0, bytes: 0 });
      expect(digest.summary!.digest).toBeGreaterThanOrEqual(28);

      const plainVisit = await latency.visit(`https://localhost:${plain.port}/`, 'warm');
      let plainBytes = 0;
      for (const asset of PLAIN_SITE_ASSETS) plainBytes += (await stat(path.join(plainDir, asset))).size;
      expect(plainVisit.summary).toBeNull();
      expect(plainVisit.assets.network.count).toBe(PLAIN_SITE_ASSETS.length);
      expect(plainVisit.assetBytesFromNetwork).toBe(plainBytes);
      expect(plainVisit.bytesDown).toBeGreaterThan(plainBytes);
    });
  }, 120_000);

  it('returning visitor: new connections, a restarted worker, still 0 asset bytes', async () => {
    await withFixture({ rttMs: 10, spki: [spki] }, async ({ latency }) => {
      const lab = await latency.lab(`https://localhost:${kit.port}/`);
      const visit = await lab.visit('/', 'returning');
      expect(visit.model).toBe('returning');
      // The idle connection was dropped, so the visit opened its own.
      expect(visit.connections).toBeGreaterThanOrEqual(1);
      expect(visit.assetBytesFromNetwork).toBe(0);
      expect(visit.assets.worker.count).toBeGreaterThanOrEqual(28);
      expect(visit.loadMs).toBeGreaterThan(visit.ttfbMs);
    });
  }, 120_000);

  it('a page answered with an error status is not measured as a (fast) visit', async () => {
    await withFixture({ rttMs: 10, spki: [spki] }, async ({ latency }) => {
      // The kit answers a missing page with a 404 that has a body (an empty one would fail in Chromium already).
      const lab = await latency.lab(`https://localhost:${kit.port}/`);
      await expect(lab.load('/no-such-page.html')).rejects.toThrow(/\/no-such-page\.html answered 404: an error page is not a visit to measure$/);
      expect((await lab.load('/')).loadMs).toBeGreaterThan(0);
    });
  }, 60_000);

  it('emulatedPage: a page whose connections to the site cross the emulator', async () => {
    const url = `https://localhost:${plain.port}/`;
    await latencyFixtures.latency({ latencyOptions: { rttMs: 40, spki: [spki], url } }, async (latency) => {
      await latencyFixtures.emulatedPage({ latency, latencyOptions: { rttMs: 40, url } }, async (page) => {
        const lab = await latency.lab(url);
        await page.goto(url);
        expect(await page.evaluate('document.body.dataset.ran')).toBe('yes');
        expect(lab.emulator.stats().connections).toBeGreaterThanOrEqual(1);
        const timing = (await page.evaluate('performance.getEntriesByType("navigation")[0].responseStart')) as number;
        // TCP handshake, TLS and the request each cross the emulated 40 ms round trip.
        expect(timing).toBeGreaterThanOrEqual(3 * 40);
      });
    });
  }, 60_000);
});
