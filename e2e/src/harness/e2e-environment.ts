import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '@cache-digest/server';
import { startDelayProxy, type DelayProxy } from '@cache-digest/playwright';
import { buildDemoSite, type BuiltSite } from './build-demo-site.ts';
import type { VisitFacts } from './measure-visit.ts';
import { setDigestsIgnored } from './ignore-digests.ts';
import { setPageDelay } from './page-delay.ts';
import { workboxSite } from './workbox-site.ts';
import { recordServedRequests, takeServedRequests } from './served-requests.ts';
import { warmUp } from './warm-up.ts';
import { warmUpDeltas } from './warm-up-deltas.ts';

/**
 * Which build of the demo is served: v1; v2 with three photos changed; v3 =
 * v2 + the deepest module changed (deploy-js); v4 = v3 + a stylesheet and a
 * font changed (deploy-css); v5 = v4 + the deepest module changed again
 * (think-time). v3 to v5 exist after {@link E2eEnvironment.buildCodeDeploys}.
 */
export type SiteVersion = 'v1' | 'v2' | 'v3' | 'v4' | 'v5';

/** Options of {@link E2eEnvironment.create}. */
export interface E2eEnvironmentOptions {
  rttMs: number;
  bandwidthBytesPerSecond?: number;
  /** Progress messages. */
  log?: (line: string) => void;
}

/**
 * Everything a scenario runs against: the demo built twice (v1, and v2 with
 * three assets changed), `cache-digest serve` for each (build, mode) started
 * on demand, and one round-trip emulator in front whose port is the origin
 * the browser sees (https://localhost:<port>), so a deploy or a change of
 * server mode keeps the origin, its Service Worker and its caches.
 */
export class E2eEnvironment {
  private readonly servers = new Map<string, Promise<RunningServer>>();
  private readonly workboxSites = new Map<SiteVersion, Promise<BuiltSite>>();
  private currentSite: BuiltSite | undefined;
  private readonly pageLog: string[] = [];
  private current: SiteVersion = 'v1';

  private constructor(
    readonly workDir: string,
    readonly proxy: DelayProxy,
    readonly sites: Record<'v1' | 'v2', BuiltSite> & Partial<Record<'v3' | 'v4' | 'v5', BuiltSite>>,
    readonly spki: string,
    private readonly log?: (line: string) => void,
  ) {}

  /** Build both versions of the demo (or take them from the build cache, see build-cache.ts) and start the emulator. */
  static async create(options: E2eEnvironmentOptions): Promise<E2eEnvironment> {
    recordServedRequests();
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'cache-digest-e2e-'));
    try {
      options.log?.('building the demo (v1 and the deploy v2)');
      // Side by side: Rolldown builds on native threads while the other build's JS (asset generation) runs.
      const [v1, v2] = await Promise.all([
        buildDemoSite({ workDir, outDir: path.join(workDir, 'site-v1') }),
        buildDemoSite({ workDir, outDir: path.join(workDir, 'site-v2'), deploy: true }),
      ]);
      // A throwaway server creates the development certificate once; every server shares it (and its SPKI).
      const probe = await startServer({ root: v1.dir, certDir: path.join(workDir, 'certs'), log: false });
      await probe.close();
      const proxy = await startDelayProxy({
        targetHost: '127.0.0.1',
        targetPort: probe.port,
        rttMs: options.rttMs,
        ...(options.bandwidthBytesPerSecond ? { bandwidthBytesPerSecond: options.bandwidthBytesPerSecond } : {}),
      });
      return new E2eEnvironment(workDir, proxy, { v1, v2 }, probe.spki, options.log);
    } catch (error) {
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Build v3 (deploy-js), v4 (deploy-css) and v5 (think-time), for the
   * benchmark's code-deploy scenarios, side by side; with `workbox`, each
   * version's Workbox copy too (made on first use otherwise).
   */
  async buildCodeDeploys(options: { workbox?: boolean } = {}): Promise<void> {
    if (!this.sites.v5) {
      const base = { workDir: this.workDir, deploy: true } as const;
      const [v3, v4, v5] = await Promise.all([
        buildDemoSite({ ...base, outDir: path.join(this.workDir, 'site-v3'), codeChanges: ['js'] }),
        buildDemoSite({ ...base, outDir: path.join(this.workDir, 'site-v4'), codeChanges: ['js', 'css'] }),
        buildDemoSite({ ...base, outDir: path.join(this.workDir, 'site-v5'), codeChanges: ['js-again', 'css'] }),
      ]);
      Object.assign(this.sites, { v3, v4, v5 });
    }
    if (options.workbox) await Promise.all((['v1', 'v2', 'v3', 'v4', 'v5'] as const).map((version) => this.workboxSite(version)));
  }

  private site(version: SiteVersion): BuiltSite {
    const site = this.sites[version];
    if (!site) throw new Error(`demo build ${version} is not built (call buildCodeDeploys())`);
    return site;
  }

  /** The origin the browser uses: the emulator. */
  get origin(): string {
    return `https://localhost:${this.proxy.port}`;
  }

  /** The files of the build being served now. */
  get files(): BuiltSite['files'] {
    return (this.currentSite ?? this.site(this.current)).files;
  }

  /**
   * Serve `version` with `mode` behind the emulator from now on (new
   * connections); `ignoreDigests` makes the server act as if no request
   * carried a digest (stream-all); `pageDelayMs` makes each page take that
   * long to build (think-time); `workbox` serves the build with a Workbox
   * precache worker in place of the kit's (see workbox-site.ts). A new
   * server is warmed up first (warm-up.ts: every file; warm-up-deltas.ts,
   * stream and auto modes after a deploy: the delta parts a returning
   * visitor's stream needs), so measured visits pay for neither.
   */
  async serve(
    version: SiteVersion,
    mode: 'off' | 'hints' | 'auto' | 'push' | 'stream',
    options: { ignoreDigests?: boolean; pageDelayMs?: number; workbox?: boolean } = {},
  ): Promise<void> {
    // A new server warms up as itself: digests read, pages at once (the measured visit's settings are set after).
    setDigestsIgnored(false);
    setPageDelay(0);
    const key = `${version}:${mode}${options.workbox ? ':workbox' : ''}`;
    const site = options.workbox ? await this.workboxSite(version) : this.site(version);
    let server = this.servers.get(key);
    if (!server) {
      // The builds before this one (each has its own outDir): a push stream sends changed files as deltas against them.
      const order: readonly SiteVersion[] = ['v1', 'v2', 'v3', 'v4', 'v5'];
      const earlier = options.workbox ? [] : order.slice(0, order.indexOf(version)).flatMap((one) => this.sites[one] ?? []);
      const starting: Promise<RunningServer> = startServer({
        root: site.dir,
        mode,
        previousBuilds: earlier.map((build) => build.dir),
        certDir: path.join(this.workDir, 'certs'),
        // The visit measurement reads the URLs streamed/pushed from the line.
        logLevel: 'full',
        log: (line) => {
          this.pageLog.push(line);
        },
      }).then(async (running) => {
        try {
          await warmUp(running, site, { what: `the ${key} server` });
          // The first visit after a deploy would otherwise wait while its delta parts are made.
          if ((mode === 'stream' || mode === 'auto') && earlier.length > 0) {
            const started = performance.now();
            const made = await warmUpDeltas(running, site, earlier, { what: `the ${key} server` });
            this.log?.(`${key}: ${made.deltas} delta parts in ${made.streams} warm-up streams (${Math.round(performance.now() - started)} ms)`);
          }
        } catch (error) {
          await running.close();
          throw error;
        }
        return running;
      });
      server = starting;
      // Not kept when it failed to start or warm up: the journey's retry starts a new server rather than meet this
      // failure again; only this entry is dropped (a newer server under the key stays).
      starting.catch(() => {
        if (this.servers.get(key) === starting) this.servers.delete(key);
      });
      this.servers.set(key, server);
    }
    const running = await server;
    setDigestsIgnored(options.ignoreDigests === true);
    setPageDelay(options.pageDelayMs ?? 0);
    this.proxy.retarget(running.port);
    this.current = version;
    this.currentSite = site;
  }

  private workboxSite(version: SiteVersion): Promise<BuiltSite> {
    let site = this.workboxSites.get(version);
    if (!site) {
      site = workboxSite(this.site(version), path.join(this.workDir, `site-${version}-workbox`));
      this.workboxSites.set(version, site);
    }
    return site;
  }

  /** The servers' page-request log lines since the last call. */
  takePageLog(): string[] {
    return this.pageLog.splice(0);
  }

  /** Zero the emulator's counters and forget earlier requests: a visit starts. */
  startVisit(): void {
    this.proxy.resetStats();
    takeServedRequests();
    this.pageLog.length = 0;
  }

  /** What the emulator and the servers saw since {@link startVisit}. */
  endVisit(): Pick<VisitFacts, 'traffic' | 'served' | 'pageLog' | 'files' | 'summary'> {
    const pageLog = this.takePageLog();
    const summary = /mode=\w+; digest=\d+; pushed=\d+; skipped=\d+; bytes=\d+/.exec(pageLog[0] ?? '')?.[0] ?? null;
    return { traffic: this.proxy.stats(), served: takeServedRequests(), pageLog, files: this.files, summary };
  }

  /** A fresh folder under the work folder (browser profiles). */
  async tempDir(prefix: string): Promise<string> {
    return mkdtemp(path.join(this.workDir, prefix));
  }

  /** Stop every server and the emulator, delete the builds. */
  async close(): Promise<void> {
    const servers = await Promise.allSettled(this.servers.values());
    for (const server of servers) if (server.status === 'fulfilled') await server.value.close();
    await this.proxy.close();
    await rm(this.workDir, { recursive: true, force: true });
  }
}
