import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment } from './harness/e2e-environment.ts';
import { CHROMIUM_PATH } from './harness/launch-chromium.ts';
import { pageAssetPaths } from './harness/page-asset-paths.ts';
import { runJourney, type Journey } from './harness/run-scenario.ts';
import { STRATEGIES, type Strategy } from './harness/strategies.ts';
import type { VisitMeasurement } from './harness/visit-measurement.ts';

// The benchmark's scenarios at a small round-trip time, asserting what
// crossed the network and what did not, and that the page rendered; no
// timing assertions. One user per strategy goes cold -> warm -> deploy.
const RTT_MS = 10;
const hasChromium = existsSync(CHROMIUM_PATH);

let environment: E2eEnvironment;
let v1Assets: string[];
let v2Assets: string[];
let changedAssets: string[];

beforeAll(async () => {
  environment = await E2eEnvironment.create({ rttMs: RTT_MS });
  v1Assets = await pageAssetPaths(environment.sites.v1.dir, '/index.html');
  v2Assets = await pageAssetPaths(environment.sites.v2.dir, '/index.html');
  changedAssets = v2Assets.filter((asset) => !v1Assets.includes(asset));
}, 120_000);

afterAll(async () => {
  await environment?.close();
});

function expectRendered(visit: VisitMeasurement, strategy: Strategy): void {
  if (strategy.client !== 'chromium') return;
  const render = visit.render!;
  expect(render.images.broken).toEqual([]);
  expect(render.images.loaded).toBe(render.images.total);
  expect(render.images.total).toBeGreaterThanOrEqual(17);
  expect(render.fonts.map((font) => font.status)).toEqual(['loaded', 'loaded']);
  expect(render.stylesApplied).toBe(true);
  // The whole module graph ran, deepest module first.
  expect(render.modules).toEqual(['escape-html', 'format', 'load-report', 'home']);
}

function sorted(list: readonly string[]): string[] {
  return [...new Set(list)].sort();
}

describe('the demo and the deploy', () => {
  it('changes exactly three of the home page assets', () => {
    expect(v1Assets.length).toBeGreaterThanOrEqual(28);
    expect(changedAssets).toHaveLength(3);
    expect(changedAssets.every((asset) => /\/assets\/photo-\d\d-.+\.png$/.test(asset))).toBe(true);
  });
});

describe.each(STRATEGIES.map((strategy) => [strategy.name, strategy] as const))('strategy %s', (_name, strategy) => {
  const skip = strategy.client === 'chromium' && !hasChromium;
  let journey: Journey;

  beforeAll(async () => {
    if (skip) return;
    journey = await runJourney(environment, strategy);
  }, 180_000);

  it.skipIf(skip)('cold: every asset of the page crosses the network once, none twice', () => {
    const { cold } = journey;
    expectRendered(cold, strategy);
    for (const asset of v1Assets) expect(cold.deliveredAssets).toContain(asset);
    expect(cold.redundantBytes).toBe(0);
    if (strategy.name === 'h2-push') {
      // Real push: the page's assets came with it, not as requests.
      expect(cold.pushedAssets.length).toBeGreaterThanOrEqual(v1Assets.length - 1);
      for (const asset of cold.pushedAssets) expect(v1Assets).toContain(asset);
    } else {
      expect(cold.pushedAssets).toEqual([]);
    }
  });

  it.skipIf(skip)('warm: the page renders with what the client holds', () => {
    const { warm } = journey;
    expectRendered(warm, strategy);
    if (strategy.name === 'stream-all') {
      // Without a digest the server streams everything again: the cost the digest removes.
      expect(warm.summary).toMatch(/^mode=stream; digest=0;/);
      expect(warm.pushedAssets.length).toBeGreaterThanOrEqual(v1Assets.length - 1);
      expect(warm.redundantBytes).toBeGreaterThan(0);
      return;
    }
    expect(warm.deliveredAssets).toEqual([]);
    expect(warm.redundantBytes).toBe(0);
    if (strategy.name === 'digest') expect(warm.summary).toMatch(/^mode=stream; digest=[1-9]\d*; pushed=0;/);
    if (strategy.name === 'h2-push') expect(warm.summary).toMatch(/^mode=push; digest=[1-9]\d*; pushed=0;/);
  });

  it.skipIf(skip)('deploy: only the three changed assets cross the network', () => {
    const { deploy } = journey;
    expectRendered(deploy, strategy);
    if (strategy.name === 'stream-all') {
      for (const asset of changedAssets) expect(deploy.deliveredAssets).toContain(asset);
      expect(deploy.redundantBytes).toBeGreaterThan(0);
      return;
    }
    expect(sorted(deploy.deliveredAssets)).toEqual(changedAssets);
    expect(deploy.redundantBytes).toBe(0);
    if (strategy.name === 'digest' || strategy.name === 'h2-push') {
      // They arrived with the page (stream parts or pushes), not as requests of their own.
      expect(sorted(deploy.pushedAssets)).toEqual(changedAssets);
      expect(deploy.summary).toMatch(/; pushed=3; /);
    }
  });
});
