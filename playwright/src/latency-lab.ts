import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { chromiumArgs } from './chromium/chromium-args.ts';
import { findChromium } from './chromium/find-chromium.ts';
import { startDelayProxy, type DelayProxy } from './delay-proxy.ts';
import { parseSummary } from './parse-summary.ts';
import { readPageTiming } from './read-page-timing.ts';
import type { AssetSource, VisitMetrics, VisitModel } from './visit-metrics.ts';
import { waitForWorkerCache } from './worker/wait-for-worker-cache.ts';

/** Options of {@link LatencyLab.start}. */
export interface LatencyLabOptions {
  /** The site as the browser sees it: an https URL (its origin is what the lab serves pages from). */
  url: string;
  /** Where the emulator forwards connections; default the URL's host and port. */
  upstream?: { host: string; port: number };
  /** Use this emulator instead of starting one (its RTT and cap then apply). */
  emulator?: DelayProxy;
  rttMs?: number;
  bandwidthBytesPerSecond?: number;
  /** base64 SPKI hashes of certificates to trust (e.g. `cache-digest serve`'s `spki:` line). */
  spki?: readonly string[];
  /** Let the site's Service Worker run (default) or block it. */
  serviceWorkers?: 'allow' | 'block';
  /** Chromium binary; default {@link findChromium}. */
  chromiumPath?: string;
  /** Page load timeout, ms (default 60 000). */
  timeoutMs?: number;
}

/** Options of {@link LatencyLab.visit}. */
export interface VisitOptions {
  /** Visits before the measured one in warm, returning and fresh-launch (default 2: the worker installs, then caches). */
  primingVisits?: number;
  /** Runs after priming, right before the measured visit (e.g. switch the server to a new deploy). */
  beforeVisit?: () => Promise<void> | void;
  /** Runs after the model's preparation, right before the measured navigation (e.g. reset server-side counters). */
  beforeLoad?: () => void;
}

const SETTLE_AFTER_DROP_MS = 100;

/**
 * A page behind the round-trip emulator: one Chromium profile whose every
 * connection to the site goes through the emulator (the site's host name is
 * mapped to it, so URLs, certificates and the Service Worker's origin are
 * the site's own), with the visit models and their measurements.
 */
export class LatencyLab {
  private contextValue: BrowserContext | null = null;
  private pageValue: Page | null = null;
  private workers: CDPSession | null = null;
  private readonly workerStatus = new Map<string, string>();
  private profileDir: string | null = null;

  private constructor(
    readonly origin: string,
    readonly emulator: DelayProxy,
    private readonly ownsEmulator: boolean,
    private readonly options: LatencyLabOptions,
  ) {}

  /** Start the emulator (unless given) in front of the site. No browser runs until a visit or {@link newProfile}. */
  static async start(options: LatencyLabOptions): Promise<LatencyLab> {
    const url = new URL(options.url);
    if (url.protocol !== 'https:') throw new TypeError(`not an https URL: ${options.url}`);
    const port = Number(url.port || 443);
    const emulator =
      options.emulator ??
      (await startDelayProxy({
        targetHost: options.upstream?.host ?? url.hostname,
        targetPort: options.upstream?.port ?? port,
        rttMs: options.rttMs ?? 0,
        ...(options.bandwidthBytesPerSecond ? { bandwidthBytesPerSecond: options.bandwidthBytesPerSecond } : {}),
      }));
    return new LatencyLab(url.origin, emulator, !options.emulator, options);
  }

  /** The running browser context (after {@link newProfile}). */
  get context(): BrowserContext {
    if (!this.contextValue) throw new Error('no browser yet: call newProfile() or visit() first');
    return this.contextValue;
  }

  /** The page visits run in. */
  get page(): Page {
    if (!this.pageValue) throw new Error('no browser yet: call newProfile() or visit() first');
    return this.pageValue;
  }

  /** A fresh, empty profile in a new browser process (a first-time visitor). */
  async newProfile(): Promise<Page> {
    await this.closeBrowser();
    if (this.profileDir) await rm(this.profileDir, { recursive: true, force: true });
    this.profileDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-lab-'));
    return this.launch();
  }

  /** The same profile in a new browser process (HTTP cache, worker and Cache Storage survive; connections do not). */
  async relaunch(): Promise<Page> {
    await this.closeBrowser();
    return this.launch();
  }

  /** Close every connection to the site (the emulator destroys them, as an idle pool's would time out). */
  async dropConnections(): Promise<void> {
    this.emulator.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_DROP_MS));
  }

  /** Stop every Service Worker (DevTools `ServiceWorker.stopAllWorkers`) and wait until they report stopped. */
  async stopServiceWorkers(): Promise<void> {
    const cdp = this.workers;
    if (!cdp) return;
    await cdp.send('ServiceWorker.stopAllWorkers');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && [...this.workerStatus.values()].some((status) => status !== 'stopped')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Load `pathOrUrl` in the current page and measure it, as things stand (no model applied). A page answered with a
   * status of 400 or more rejects: an error page is not a visit to measure.
   */
  async load(pathOrUrl = '/', model: VisitModel = 'warm'): Promise<VisitMetrics> {
    const page = this.pageValue ?? (await this.newProfile());
    const url = new URL(pathOrUrl, this.origin).href;
    const timeout = this.options.timeoutMs ?? 60_000;
    this.emulator.resetStats();
    const response = await page.goto(url, { waitUntil: 'load', timeout });
    // An error page loads fast and would pass for a quick visit: not a visit to measure.
    const status = response?.status() ?? 0;
    if (status >= 400) throw new Error(`${url} answered ${status}: an error page is not a visit to measure`);
    const traffic = this.emulator.stats();
    const timing = await readPageTiming(page);
    const summary = parseSummary((await response?.headerValue('cache-digest-push').catch(() => null)) ?? timing.serverTimingSummary);
    const assets: VisitMetrics['assets'] = {
      network: { count: 0, bytes: 0 },
      worker: { count: 0, bytes: 0 },
      'http-cache': { count: 0, bytes: 0 },
    };
    for (const resource of timing.resources) {
      const bucket = assets[resource.source as AssetSource];
      bucket.count += 1;
      bucket.bytes += resource.networkBytes;
    }
    const pushedBytes = summary && (summary.mode === 'stream' || summary.mode === 'push') ? summary.bytes : 0;
    return {
      url,
      model,
      rttMs: this.emulator.rttMs,
      bandwidthBytesPerSecond: this.emulator.bandwidthBytesPerSecond ?? null,
      loadMs: timing.loadMs,
      ttfbMs: timing.ttfbMs,
      afterFirstByteMs: timing.loadMs - timing.ttfbMs,
      extraRoundTrips: null,
      bytesUp: traffic.bytesUp,
      bytesDown: traffic.bytesDown,
      connections: traffic.connections,
      assets,
      assetBytesFromNetwork: assets.network.bytes + pushedBytes,
      summary,
      resources: timing.resources,
    };
  }

  /** Load the page and wait until its Service Worker (if any) has stored what it received: a visit whose figures do not matter. */
  async prime(pathOrUrl = '/'): Promise<void> {
    await this.load(pathOrUrl);
    await this.settle();
  }

  /**
   * One measured visit of `pathOrUrl` under a visit model, with a new profile:
   * - cold: the first visit, empty profile;
   * - warm: after priming visits, at once, in the same browser (connections and worker still up);
   * - returning: after priming visits, every connection dropped and the Service Worker stopped
   *   (a user coming back after some minutes in a browser that kept running);
   * - fresh-launch: after priming visits, a new browser process on the same profile.
   */
  async visit(pathOrUrl: string, model: VisitModel, options: VisitOptions = {}): Promise<VisitMetrics> {
    await this.newProfile();
    if (model !== 'cold') {
      for (let i = 0; i < (options.primingVisits ?? 2); i += 1) await this.prime(pathOrUrl);
    }
    await options.beforeVisit?.();
    if (model !== 'cold') await this.prepare(model);
    options.beforeLoad?.();
    return this.load(pathOrUrl, model);
  }

  /** Bring the current profile into `model`'s state before a measured load (used by visit(); for custom journeys). */
  async prepare(model: VisitModel): Promise<void> {
    if (model === 'returning') {
      await this.page.goto('about:blank');
      await this.stopServiceWorkers();
      await this.dropConnections();
    } else if (model === 'fresh-launch') {
      await this.relaunch();
    } else if (model === 'warm') {
      await this.page.goto('about:blank');
    }
  }

  /** Wait until the page's Service Worker (if any) has stored what it received. */
  async settle(): Promise<void> {
    await waitForWorkerCache(this.page);
  }

  /** Close the browser, delete the profile, stop the emulator if the lab started it. */
  async close(): Promise<void> {
    await this.closeBrowser();
    if (this.profileDir) await rm(this.profileDir, { recursive: true, force: true });
    this.profileDir = null;
    if (this.ownsEmulator) await this.emulator.close();
  }

  private async launch(): Promise<Page> {
    const host = new URL(this.origin).hostname;
    const executablePath = this.options.chromiumPath ?? findChromium();
    const context = await chromium.launchPersistentContext(this.profileDir!, {
      ...(executablePath ? { executablePath } : {}),
      headless: true,
      serviceWorkers: this.options.serviceWorkers ?? 'allow',
      viewport: { width: 1200, height: 900 },
      timeout: this.options.timeoutMs ?? 60_000,
      // Only the site's host goes to the emulator, with its port, so the URL the page sees is the site's.
      args: chromiumArgs({
        ...(this.options.spki ? { spki: this.options.spki } : {}),
        hostResolverRules: `MAP ${host} ${this.emulator.host}:${this.emulator.port}`,
      }),
    });
    this.contextValue = context;
    const page = context.pages()[0] ?? (await context.newPage());
    this.pageValue = page;
    this.workerStatus.clear();
    const cdp = await context.newCDPSession(page);
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const version of versions) this.workerStatus.set(version.versionId, version.runningStatus);
    });
    await cdp.send('ServiceWorker.enable');
    this.workers = cdp;
    return page;
  }

  private async closeBrowser(): Promise<void> {
    const context = this.contextValue;
    this.contextValue = null;
    this.pageValue = null;
    this.workers = null;
    if (context) await context.close().catch(() => undefined);
  }
}
