import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../harness/launch-chromium.ts';

// The emulators listen on 127.0.0.1: keep Chromium from trying ::1 (QUIC has no fallback like TCP's).
const BASE_ARGS = ['--host-resolver-rules=MAP localhost 127.0.0.1', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a visit measured in the page (Navigation Timing, ms from navigation start). */
export interface EdgeVisitTiming {
  ttfbMs: number;
  loadMs: number;
  /** `nextHopProtocol` of the navigation (`h3`, `h2`; empty when the worker answered). */
  protocol: string;
  /** The page response's `cache-digest-push` header. */
  summary: string;
}

/**
 * One Chromium profile of a returning visitor at the edge: it primes the
 * site (worker installed, assets cached), then comes back after every
 * connection was closed and the worker stopped, as after a while away.
 */
export class EdgeVisitor {
  private readonly statuses = new Map<string, string>();
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly internals: Page,
    private readonly cdp: CDPSession,
  ) {}

  /** Launches headless Chromium on `profileDir` with the base flags plus `args` (QUIC forcing, SPKI trust). */
  static async launch(profileDir: string, args: readonly string[]): Promise<EdgeVisitor> {
    const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM_PATH, headless: true, args: [...BASE_ARGS, ...args], timeout: 60_000 });
    const page = context.pages()[0] ?? (await context.newPage());
    // net-internals' "Flush socket pools" closes HTTP/2 and QUIC sessions alike.
    const internals = await context.newPage();
    await internals.goto('chrome://net-internals/#sockets');
    const cdp = await context.newCDPSession(page);
    const visitor = new EdgeVisitor(context, page, internals, cdp);
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const version of versions) visitor.statuses.set(version.versionId, version.runningStatus);
    });
    await cdp.send('ServiceWorker.enable');
    return visitor;
  }

  /** First visit and a warm one: the worker installed and controlling, the site's assets in its cache. */
  async prime(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await this.page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 60_000 });
    await sleep(1500);
    await this.page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  }

  /**
   * Leaves the page, waits until nothing crosses the network (`traffic()`
   * stops growing: the worker's update check is done), stops the worker and
   * closes every connection; again if traffic appeared meanwhile. Closing a
   * QUIC connection while its handshake is in flight makes Chromium mark
   * QUIC for the origin "recently broken", after which every new connection
   * holds its requests until the handshake is confirmed (0-RTT carries only
   * the HTTP/3 SETTINGS): hence the quiet wait.
   */
  async comeBackLater(traffic: () => number): Promise<void> {
    await this.page.goto('about:blank');
    for (let attempt = 0; attempt < 5; attempt++) {
      await waitForQuiet(traffic, 500, 15_000);
      await this.cdp.send('ServiceWorker.stopAllWorkers');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && [...this.statuses.values()].some((status) => status !== 'stopped')) await sleep(20);
      await this.internals.click('#sockets-view-flush-button');
      const before = traffic();
      await sleep(300);
      if (traffic() === before) return;
    }
  }

  /** The measured visit. */
  async load(url: string): Promise<EdgeVisitTiming> {
    const response = await this.page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    const timing = await this.page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { ttfbMs: nav.responseStart, loadMs: nav.loadEventStart, protocol: nav.nextHopProtocol };
    });
    return { ...timing, summary: (await response?.headerValue('cache-digest-push')) ?? '' };
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

/** Resolves once `traffic()` has not changed for `quietMs` (or after `limitMs`). */
async function waitForQuiet(traffic: () => number, quietMs: number, limitMs: number): Promise<void> {
  const limit = Date.now() + limitMs;
  let last = traffic();
  let since = Date.now();
  while (Date.now() < limit && Date.now() - since < quietMs) {
    await sleep(50);
    const now = traffic();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}
