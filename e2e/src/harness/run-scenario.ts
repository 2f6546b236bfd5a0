import { rm } from 'node:fs/promises';
import { ChromiumVisitor } from './chromium-visitor.ts';
import type { E2eEnvironment } from './e2e-environment.ts';
import { loadPageOverH2, type H2ClientCache } from './h2-page-loader.ts';
import { measureVisit } from './measure-visit.ts';
import type { ScenarioName, Strategy } from './strategies.ts';
import type { VisitMeasurement } from './visit-measurement.ts';

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** The page visited (default `/`). */
  path?: string;
  /** Visits before the measured one in warm and deploy (default 2: the worker installs, then caches). */
  primingVisits?: number;
}

/**
 * Run one scenario for one strategy with a new user: cold is the first
 * visit; warm is a repeat visit after priming visits; deploy is a repeat
 * visit after the server switched to the build with three changed assets.
 * Returns the measured visit.
 */
export async function runScenario(
  environment: E2eEnvironment,
  strategy: Strategy,
  scenario: ScenarioName,
  options: RunScenarioOptions = {},
): Promise<VisitMeasurement> {
  const pagePath = options.path ?? '/';
  const { visit, dispose } = await makeVisitor(environment, strategy);
  try {
    await environment.serve('v1', strategy.serverMode, { ignoreDigests: strategy.stripDigest });
    if (scenario !== 'cold') {
      for (let i = 0; i < (options.primingVisits ?? 2); i += 1) await visit(pagePath, true);
    }
    if (scenario === 'deploy') await environment.serve('v2', strategy.serverMode, { ignoreDigests: strategy.stripDigest });
    return await visit(pagePath, false);
  } finally {
    await dispose();
  }
}

/** The three measured visits of one user's {@link runJourney}. */
export interface Journey {
  cold: VisitMeasurement;
  warm: VisitMeasurement;
  deploy: VisitMeasurement;
}

/**
 * One user through all three scenarios, cheaper than three runScenario()
 * calls (the end-to-end tests use it): a first visit (cold), a priming visit
 * when a Service Worker is involved, a repeat visit (warm), then a visit
 * after the deploy.
 */
export async function runJourney(environment: E2eEnvironment, strategy: Strategy, path = '/'): Promise<Journey> {
  const { visit, dispose } = await makeVisitor(environment, strategy);
  try {
    await environment.serve('v1', strategy.serverMode, { ignoreDigests: strategy.stripDigest });
    const cold = await visit(path, true);
    if (strategy.serviceWorker) await visit(path, true);
    const warm = await visit(path, true);
    await environment.serve('v2', strategy.serverMode, { ignoreDigests: strategy.stripDigest });
    const deploy = await visit(path, false);
    return { cold, warm, deploy };
  } finally {
    await dispose();
  }
}

type Visit = (path: string, prime: boolean) => Promise<VisitMeasurement>;

async function makeVisitor(environment: E2eEnvironment, strategy: Strategy): Promise<{ visit: Visit; dispose: () => Promise<void> }> {
  if (strategy.client === 'chromium') {
    const userDataDir = await environment.tempDir(`profile-${strategy.name}-`);
    const visitor = new ChromiumVisitor({
      userDataDir,
      spki: environment.spki,
      serviceWorker: strategy.serviceWorker,
      origin: environment.origin,
      beforeVisit: () => environment.startVisit(),
      afterVisit: () => environment.endVisit(),
    });
    return {
      visit: (path, prime) => visitor.visit(path, { prime }),
      dispose: () => rm(userDataDir, { recursive: true, force: true }),
    };
  }
  const cache: H2ClientCache = new Map();
  const visit: Visit = async (path) => {
    const heldBefore = new Set(cache.keys());
    environment.startVisit();
    const load = await loadPageOverH2({
      connectHost: environment.proxy.host,
      connectPort: environment.proxy.port,
      origin: environment.origin,
      path,
      cache,
    });
    // Pushes the page did not wait for may still be arriving: the load is over, their bytes are not.
    await new Promise((resolve) => setTimeout(resolve, environment.proxy.rttMs + 50));
    return measureVisit({
      ...environment.endVisit(),
      pagePath: path,
      loadMs: load.loadMs,
      ttfbMs: load.ttfbMs,
      heldBefore,
      pageAssets: load.subresources,
      render: null,
    });
  };
  return { visit, dispose: async () => cache.clear() };
}
