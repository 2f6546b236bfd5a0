import { LatencyLab } from '@cache-digest/playwright';
import type { E2eEnvironment, SiteVersion } from './e2e-environment.ts';
import { loadPageOverH2, type H2ClientCache } from './h2-page-loader.ts';
import { measureVisit } from './measure-visit.ts';
import type { RenderCheckResult } from './render-check.ts';
import { SCENARIOS, THINK_TIME_MS, type ScenarioName, type Strategy } from './strategies.ts';
import type { VisitMeasurement } from './visit-measurement.ts';

/** How the measured visits of a journey come about (see @cache-digest/playwright's visit models). */
export type BenchModel = 'returning' | 'fresh-launch';

/** The build each scenario's measured visit is served from (deploys are cumulative). */
const SCENARIO_VERSION: Record<ScenarioName, SiteVersion> = {
  cold: 'v1',
  warm: 'v1',
  'deploy-images': 'v2',
  'deploy-js': 'v3',
  'deploy-css': 'v4',
  'think-time': 'v5',
};

/**
 * One user through every scenario in order: cold, warm, then three deploys
 * in a row and a fourth whose page takes 200 ms to build, each measured visit prepared by `model` (returning: one browser,
 * every connection dropped and the worker stopped before the visit;
 * fresh-launch: a new browser process on the profile). Between measured
 * visits the worker is left to store what it received, as a user's would.
 * Needs {@link E2eEnvironment.buildCodeDeploys}.
 */
export async function runBenchJourney(
  environment: E2eEnvironment,
  strategy: Strategy,
  model: BenchModel,
  scenarios: readonly ScenarioName[] = SCENARIOS,
  pagePath = '/',
): Promise<Partial<Record<ScenarioName, VisitMeasurement>>> {
  const last = Math.max(...scenarios.map((scenario) => SCENARIOS.indexOf(scenario)));
  const journey = SCENARIOS.slice(0, last + 1);
  const serve = (scenario: ScenarioName): Promise<void> =>
    environment.serve(SCENARIO_VERSION[scenario], strategy.serverMode, {
      ignoreDigests: strategy.stripDigest,
      workbox: strategy.workbox === true,
      pageDelayMs: scenario === 'think-time' ? THINK_TIME_MS : 0,
    });
  const results: Partial<Record<ScenarioName, VisitMeasurement>> = {};
  if (strategy.client === 'node-h2') {
    const cache: H2ClientCache = new Map();
    for (const scenario of journey) {
      await serve(scenario);
      const heldBefore = new Set(cache.keys());
      environment.startVisit();
      const load = await loadPageOverH2({
        connectHost: environment.proxy.host,
        connectPort: environment.proxy.port,
        origin: environment.origin,
        path: pagePath,
        cache,
      });
      // Pushes the page did not wait for may still be arriving: the load is over, their bytes are not.
      await new Promise((resolve) => setTimeout(resolve, environment.proxy.rttMs + 50));
      const visit = measureVisit({
        ...environment.endVisit(),
        pagePath,
        loadMs: load.loadMs,
        ttfbMs: load.ttfbMs,
        heldBefore,
        pageAssets: load.subresources,
        render: null,
      });
      if (scenarios.includes(scenario)) results[scenario] = visit;
    }
    return results;
  }

  const lab = await LatencyLab.start({
    url: environment.origin,
    emulator: environment.proxy,
    spki: [environment.spki],
    serviceWorkers: strategy.serviceWorker ? 'allow' : 'block',
  });
  const held = new Set<string>();
  try {
    await lab.newProfile();
    for (const scenario of journey) {
      await serve(scenario);
      if (scenario === 'warm' && strategy.serviceWorker) {
        // A second visit before the repeat one: the worker installed on the first, it takes over now.
        for (const resource of (await lab.load(pagePath)).resources) held.add(resource.path);
        await lab.settle();
      }
      if (scenario !== 'cold') await lab.prepare(model);
      const heldBefore = new Set(held);
      environment.startVisit();
      const metrics = await lab.load(pagePath, model);
      await lab.page.waitForFunction(`document.documentElement.dataset.demoReady === 'true'`, null, { timeout: 60_000 });
      const render = (await lab.page.evaluate('window.__demo.render')) as RenderCheckResult;
      const facts = environment.endVisit();
      for (const resource of metrics.resources) held.add(resource.path);
      if (scenarios.includes(scenario)) {
        results[scenario] = measureVisit({
          ...facts,
          pagePath,
          loadMs: metrics.loadMs,
          ttfbMs: metrics.ttfbMs,
          heldBefore,
          pageAssets: metrics.resources.map((resource) => resource.path),
          render,
          waterfall: metrics.resources.map(({ path, endMs, source }) => ({ path, endMs, source })),
        });
      }
      await lab.settle();
    }
    return results;
  } finally {
    await lab.close();
  }
}
