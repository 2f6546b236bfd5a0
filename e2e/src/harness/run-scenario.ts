import { rm } from 'node:fs/promises';
import { ChromiumVisitor } from './chromium-visitor.ts';
import type { E2eEnvironment } from './e2e-environment.ts';
import { loadPageOverH2, type H2ClientCache } from './h2-page-loader.ts';
import { measureVisit } from './measure-visit.ts';
import type { Strategy } from './strategies.ts';
import type { VisitMeasurement } from './visit-measurement.ts';

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
    await environment.serve('v1', strategy.serverMode, { ignoreDigests: strategy.stripDigest, workbox: strategy.workbox === true });
    const cold = await visit(path, true);
    if (strategy.serviceWorker) await visit(path, true);
    const warm = await visit(path, true);
    await environment.serve('v2', strategy.serverMode, { ignoreDigests: strategy.stripDigest, workbox: strategy.workbox === true });
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
