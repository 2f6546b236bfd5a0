import type { Page } from 'playwright-core';
import { LatencyLab, type LatencyLabOptions } from './latency-lab.ts';
import { medianVisit } from './median-visit.ts';
import type { VisitMetrics, VisitModel } from './visit-metrics.ts';

/** Network and browser settings shared by a test's labs (`test.use({ latencyOptions: … })`). */
export interface LatencyOptions extends Omit<LatencyLabOptions, 'url' | 'emulator'> {
  /** The site `emulatedPage` is for. */
  url?: string;
}

/** What the `latency` fixture gives a test. */
export interface LatencyTester {
  /** The lab for `url`'s origin (started on first use, closed after the test). */
  lab(url: string): Promise<LatencyLab>;
  /** `runs` visits (default 1) of `url` under `model`, each with a new profile; the median one. */
  visit(url: string, model: VisitModel, options?: { runs?: number; primingVisits?: number }): Promise<VisitMetrics>;
}

/** The fixtures' types, for `test.extend<LatencyFixtures>(latencyFixtures)`. */
export interface LatencyFixtures {
  latencyOptions: LatencyOptions;
  latency: LatencyTester;
  /** A page of a fresh profile whose connections to `latencyOptions.url` go through the emulator. */
  emulatedPage: Page;
}

type Use<T> = (value: T) => Promise<void>;

/**
 * Playwright Test fixtures: `base.extend<LatencyFixtures>(latencyFixtures)`
 * from `@playwright/test`. Each test gets its own emulators and browsers,
 * closed when it ends.
 */
export const latencyFixtures = {
  latencyOptions: [{ rttMs: 100 } as LatencyOptions, { option: true }] as [LatencyOptions, { option: true }],

  latency: async ({ latencyOptions }: { latencyOptions: LatencyOptions }, use: Use<LatencyTester>): Promise<void> => {
    const labs = new Map<string, Promise<LatencyLab>>();
    const lab = (url: string): Promise<LatencyLab> => {
      const origin = new URL(url).origin;
      let started = labs.get(origin);
      if (!started) {
        const { url: _ignored, ...settings } = latencyOptions;
        started = LatencyLab.start({ ...settings, url: origin });
        labs.set(origin, started);
      }
      return started;
    };
    const tester: LatencyTester = {
      lab,
      async visit(url, model, options = {}) {
        const running = await lab(url);
        const visits: VisitMetrics[] = [];
        for (let run = 0; run < Math.max(1, options.runs ?? 1); run += 1) {
          visits.push(await running.visit(url, model, options.primingVisits === undefined ? {} : { primingVisits: options.primingVisits }));
        }
        return medianVisit(visits);
      },
    };
    try {
      await use(tester);
    } finally {
      for (const started of labs.values()) await (await started.catch(() => null))?.close();
    }
  },

  emulatedPage: async ({ latency, latencyOptions }: { latency: LatencyTester; latencyOptions: LatencyOptions }, use: Use<Page>): Promise<void> => {
    if (!latencyOptions.url) throw new TypeError('emulatedPage needs latencyOptions.url (test.use({ latencyOptions: { url } }))');
    const lab = await latency.lab(latencyOptions.url);
    await use(await lab.newProfile());
  },
};
