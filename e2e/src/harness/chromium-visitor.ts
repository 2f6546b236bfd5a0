import { waitForWorkerCache } from '@cache-digest/playwright';
import { launchChromium } from './launch-chromium.ts';
import { measureVisit, type VisitFacts } from './measure-visit.ts';
import type { RenderCheckResult } from './render-check.ts';
import type { VisitMeasurement } from './visit-measurement.ts';

/** Options of {@link ChromiumVisitor}. */
export interface ChromiumVisitorOptions {
  /** A fresh profile folder: one visitor is one user. */
  userDataDir: string;
  spki: string;
  serviceWorker: boolean;
  /** https://localhost:<proxy port> */
  origin: string;
  /** Called right before the navigation: reset the counters. */
  beforeVisit: () => void;
  /** Called once the page has loaded: what the emulator and the server saw. */
  afterVisit: () => Omit<VisitFacts, 'pagePath' | 'loadMs' | 'ttfbMs' | 'heldBefore' | 'pageAssets' | 'render'>;
  /** Page load timeout (default 60 s). */
  timeoutMs?: number;
}

/** What the page reports about itself (e2e/demo/src/lib/load-report.ts). */
interface PageReport {
  loadMs: number;
  ttfbMs: number;
  resources: string[];
  render: RenderCheckResult;
}

/**
 * A user with a persistent Chromium profile who visits the demo through the
 * round-trip emulator. Each visit is a fresh browser launch on that profile
 * (HTTP cache, Service Worker and Cache Storage survive; connections do
 * not), and is measured from the page's own timing, the emulator's byte
 * counters and what the server saw (see measureVisit).
 */
export class ChromiumVisitor {
  /** Asset paths this user's browser has loaded so far: what it holds. */
  private readonly held = new Set<string>();

  constructor(private readonly options: ChromiumVisitorOptions) {}

  /** Visit `path` once. A priming visit also waits until the worker has stored what it received. */
  async visit(path: string, visitOptions: { prime?: boolean } = {}): Promise<VisitMeasurement> {
    const options = this.options;
    const context = await launchChromium({
      userDataDir: options.userDataDir,
      spki: options.spki,
      serviceWorkers: options.serviceWorker ? 'allow' : 'block',
    });
    try {
      const heldBefore = new Set(this.held);
      options.beforeVisit();
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${options.origin}${path}`, { waitUntil: 'load', timeout: options.timeoutMs ?? 60_000 });
      await page.waitForFunction(() => document.documentElement.dataset.demoReady === 'true', null, {
        timeout: options.timeoutMs ?? 60_000,
      });
      const report = (await page.evaluate(READ_PAGE_REPORT)) as PageReport;
      const facts = options.afterVisit();
      if (visitOptions.prime && options.serviceWorker) await waitForWorkerCache(page);
      for (const resource of report.resources) this.held.add(resource);
      return measureVisit({
        ...facts,
        pagePath: path,
        loadMs: report.loadMs,
        ttfbMs: report.ttfbMs,
        heldBefore,
        pageAssets: report.resources,
        render: report.render,
      });
    } finally {
      await context.close();
    }
  }
}

// The script below runs in the page. A string, not a function: tsx adds
// helpers (__name) to compiled functions that do not exist in the page.

/** The demo's own report, reduced to what the measurement needs. */
const READ_PAGE_REPORT = `(() => {
  const demo = window.__demo;
  const resources = performance.getEntriesByType('resource')
    .map((entry) => new URL(entry.name))
    .filter((url) => url.origin === location.origin)
    .map((url) => url.pathname + url.search);
  return { loadMs: demo.report.loadMs, ttfbMs: demo.report.ttfbMs, resources: [...new Set(resources)], render: demo.render };
})()`;
