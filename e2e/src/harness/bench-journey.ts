import { LatencyLab } from '@cache-digest/playwright';
import type { E2eEnvironment, SiteVersion } from './e2e-environment.ts';
import { loadPageOverH2, type H2ClientCache } from './h2-page-loader.ts';
import { measureVisit } from './measure-visit.ts';
import { renderFailure, type RenderCheckResult } from './render-check.ts';
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
      // A failed load is not a fast one: the journey fails (and is retried) rather than count it.
      if (load.status !== 200 || load.failed.length > 0) {
        throw new Error(`${scenario}: the page load failed (page status ${load.status}${load.failed.length > 0 ? `; ${load.failed.slice(0, 3).join(', ')}` : ''})`);
      }
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
  // Visits whose figures are not reported (the cold visit when only later scenarios are asked for,
  // the warm scenario's priming visit, a skipped deploy's visit) run at RTT 0 without a cap: they only
  // fill the caches, which hold the same afterwards whatever the network, and the journey is
  // shorter by several round trips per visit (a third of a run at RTT 300 ms).
  const { proxy } = environment;
  const network = { rttMs: proxy.rttMs, cap: proxy.bandwidthBytesPerSecond };
  const emulate = (measured: boolean): void => {
    proxy.rttMs = measured ? network.rttMs : 0;
    proxy.bandwidthBytesPerSecond = measured ? network.cap : undefined;
  };
  try {
    await lab.newProfile();
    for (const scenario of journey) {
      const measured = scenarios.includes(scenario);
      await serve(scenario);
      if (scenario === 'warm' && strategy.serviceWorker) {
        // A second visit before the repeat one: the worker installed on the first, it takes over now.
        emulate(false);
        for (const resource of (await lab.load(pagePath)).resources) held.add(resource.path);
        await lab.settle();
      }
      emulate(measured);
      // The model's preparation (a relaunch, in fresh-launch) only where the visit is measured; otherwise
      // the returning visitor's, which is quick: the open connection still leads to the previous
      // deploy's server (the emulator retargets new connections only).
      if (scenario !== 'cold') await lab.prepare(measured ? model : 'returning');
      const heldBefore = new Set(held);
      environment.startVisit();
      const metrics = await lab.load(pagePath, model);
      await lab.page.waitForFunction(`document.documentElement.dataset.demoReady === 'true'`, null, { timeout: 60_000 });
      const render = (await lab.page.evaluate('window.__demo.render')) as RenderCheckResult;
      // A page missing an image, a font or its styles loaded less than the others: not a run to count.
      const failure = measured ? renderFailure(render) : undefined;
      if (failure) throw new Error(`${scenario}: the page did not render correctly (${failure})`);
      const connectMs = (await lab.page.evaluate(READ_CONNECT_MS)) as number;
      const facts = environment.endVisit();
      for (const resource of metrics.resources) held.add(resource.path);
      if (measured) {
        results[scenario] = measureVisit({
          ...facts,
          pagePath,
          loadMs: metrics.loadMs,
          ttfbMs: metrics.ttfbMs,
          connectMs,
          heldBefore,
          pageAssets: metrics.resources.map((resource) => resource.path),
          render,
          waterfall: metrics.resources.map(({ path, endMs, source }) => ({ path, endMs, source })),
        });
      }
      // The worker stores what it received before the next visit (after the last one, nothing follows).
      if (scenario !== journey.at(-1)) await lab.settle();
    }
    return results;
  } finally {
    emulate(true);
    await lab.close();
  }
}

/**
 * The navigation's connection setup as the page's Navigation Timing saw it:
 * fetchStart to requestStart, ms (TCP and TLS; Chromium opens the socket
 * from its preconnect predictor and then reports connectStart = connectEnd,
 * but the request still starts only once the handshakes are done); about 0
 * when a Service Worker fetched the page (its connection is not the page's
 * to see). A string: see read-page-timing.ts in @cache-digest/playwright.
 */
const READ_CONNECT_MS = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return nav && nav.workerStart === 0 ? Math.max(0, nav.requestStart - nav.fetchStart) : 0;
})()`;
