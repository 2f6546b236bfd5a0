import { hashKey, type CacheDigestMember, type KeyHasher } from '@cache-digest/shared';
import { AssetHashCache } from './asset-hash-cache.ts';
import { chooseMode } from './choose-mode.ts';
import { classifyAsset } from './classify-asset.ts';
import { DeliveryStats } from './delivery-stats.ts';
import { DigestCache } from './digest-cache.ts';
import { orderAssets } from './order-assets.ts';
import { pagePath } from './page-path.ts';
import { preloadLink } from './preload-link.ts';
import { DEFAULT_MAX_DIGEST_HEADER_LENGTH, readDigestHeader, type ReadDigests } from './read-digest-header.ts';
import { RouteTable } from '../routes/route-table.ts';
import { formatLogLine, type LogFormat, type LogLevel } from './log-line.ts';
import { NAVIGATION_PRELOAD_HEADER, readDigestSignals } from './read-navigation-preload.ts';
import { formatSummaryHeader, SUMMARY_HEADER, type DeliverySummary } from './summary-header.ts';
import { DEFAULT_DIGEST_BUDGET, MAX_DIGEST_ENTRIES, isSameOriginPath } from '@cache-digest/shared';
import type { ChosenMode, DeliveryMode, DeliveryPlan, PageAsset, PageRequest, ReportedMode } from './types.ts';

/** Options of {@link CacheDigestCore}. */
export interface CacheDigestCoreOptions {
  /** Page path (`/index.html`) -> its assets, as in a push manifest's `pages`. */
  pages: Record<string, readonly PageAsset[]>;
  /**
   * Route pattern (`/posts/:slug`, `/docs/*`) -> its assets, as in a version 2 manifest's `routes`: for request paths
   * no `pages` key names (precedence in docs/push-manifest.md). Compiled once; a bad pattern throws `RoutePatternError`.
   */
  routes?: Record<string, readonly PageAsset[]>;
  /** Delivery, forced or `auto` (default). */
  mode?: DeliveryMode;
  /** Bound on the `Cache-Digest` header in characters (default {@link DEFAULT_MAX_DIGEST_HEADER_LENGTH}, 2,048); a longer one counts as no digest, unread. */
  maxDigestHeaderLength?: number;
  /**
   * Bound on the entries of one request's digests together (default 1,024, what the worker's 1,400-character budget holds at P = 2^7, beyond a real
   * browser cache): a member past it is skipped, so no digest costs much more to read than none.
   */
  maxDigestEntries?: number;
  /** Key hasher (default the pure-JS SHA-256 prefix; Node adapters pass `hashKeyNode`). */
  hash?: KeyHasher;
  /** Counters to add to (default a new {@link DeliveryStats}). */
  stats?: DeliveryStats;
  /**
   * How long push mode keeps a client's digests: `request` (default) reads each request's header
   * alone, as H2O 2.2.5 does (it keeps them on the stream); `connection` adds each request's members
   * to what the connection's earlier requests sent, until a `reset` (draft-02's model, bounded per
   * connection). Stream and hints modes always read each request alone.
   */
  pushDigestScope?: 'request' | 'connection';
  /** Parsed `Cache-Digest` values remembered (default 256; 0 parses every request's header). */
  digestCacheSize?: number;
  /** Where the one line per page request goes; `false` for none. Default `console.log`. */
  log?: ((line: string) => void) | false;
  /** How much each page request logs (default `summary`: one short line, no URL lists; `full` lists every URL). */
  logLevel?: LogLevel;
  /** `text` lines (default) or one JSON object per line. */
  logFormat?: LogFormat;
}

/** What an adapter did with a plan, to report it. */
export interface DeliveryOutcome {
  /** Assets pushed, streamed with a body, or hinted. */
  pushed: readonly PageAsset[];
  /** Assets not sent because the client holds them (or already got them on this connection). */
  skipped: readonly PageAsset[];
  /** Missing assets that could not be pushed (stream limit, push refused): they get a preload Link instead. */
  notPushed?: readonly PageAsset[];
}

/** Records one page request of a decided plan (see {@link CacheDigestCore.recorder}). */
export type PageRecorder = (method: string, path: string, status?: number) => void;

/** The headers a page response gets, names lower-case. */
export interface PageResponseHeaders {
  'cache-digest-push': string;
  vary?: string;
  link?: string[];
  /** True when `Cache-Control` must be made private (see `makePrivate`). */
  private: boolean;
}

/** Default of {@link CacheDigestCoreOptions.maxDigestEntries}. */
export const DEFAULT_MAX_DIGEST_ENTRIES = MAX_DIGEST_ENTRIES;

const DELIVERY_MODES: readonly DeliveryMode[] = ['auto', 'push', 'stream', 'hints', 'links', 'off'];

const VARY = ['cache-digest', 'accept-push-stream', NAVIGATION_PRELOAD_HEADER].join(', ');

/**
 * The runtime-neutral decision maker of the request path (no HTTP API in
 * here): finds a request's page, reads the client's digests, classifies
 * each asset, picks the delivery, and reports (summary header, log line,
 * stats). Adapters for node:http2 and connect-style middleware do the I/O.
 */
export class CacheDigestCore {
  /** Counters of every page request so far. */
  readonly stats: DeliveryStats;
  /** The configured delivery. */
  readonly mode: DeliveryMode;
  /** See {@link CacheDigestCoreOptions.pushDigestScope}. */
  readonly pushDigestScope: 'request' | 'connection';
  private readonly pages: Map<string, PageAsset[]>;
  private readonly routes: RouteTable<PageAsset[]>;
  private readonly hashes: AssetHashCache;
  private readonly digests: DigestCache;
  private readonly hash: KeyHasher;
  private readonly maxDigestHeaderLength: number;
  private readonly maxDigestEntries: number;
  private readonly log: ((line: string) => void) | false;
  private readonly logLevel: LogLevel;
  private readonly logFormat: LogFormat;
  // Per asset, computed once: the preload Link values (the assets are the manifest's own objects).
  private readonly links = new WeakMap<PageAsset, { preload: string; proxy: string; proxyNopush: string }>();
  // Per parsed digest (as long as the digest cache keeps it), page and `mode origin`: the plan.
  private readonly plans = new WeakMap<ReadDigests, WeakMap<readonly PageAsset[], Map<string, DeliveryPlan>>>();
  private noDigest: ReadDigests | undefined;
  // Per parsed digest: whether it holds `origin+url etag` (delta bases, see holder()).
  private readonly held = new WeakMap<ReadDigests, Map<string, boolean>>();
  private readonly offPlans = new WeakMap<readonly PageAsset[], DeliveryPlan>();
  private readonly digestCacheOn: boolean;

  constructor(options: CacheDigestCoreOptions) {
    this.mode = options.mode ?? 'auto';
    // A mode from configuration (an environment variable, say) must not turn into `mode=undefined` summaries.
    if (!DELIVERY_MODES.includes(this.mode)) throw new TypeError(`cache-digest: mode must be one of ${DELIVERY_MODES.join(', ')} (got ${JSON.stringify(this.mode)})`);
    this.pushDigestScope = options.pushDigestScope ?? 'request';
    this.stats = options.stats ?? new DeliveryStats();
    this.hash = options.hash ?? hashKey;
    this.hashes = new AssetHashCache({ hash: this.hash });
    this.maxDigestHeaderLength = options.maxDigestHeaderLength ?? DEFAULT_MAX_DIGEST_HEADER_LENGTH;
    this.digests = new DigestCache({ maxEntries: options.digestCacheSize ?? 256, maxValueLength: this.maxDigestHeaderLength });
    this.maxDigestEntries = options.maxDigestEntries ?? DEFAULT_MAX_DIGEST_ENTRIES;
    this.digestCacheOn = (options.digestCacheSize ?? 256) > 0;
    this.logLevel = options.logLevel ?? 'summary';
    this.logFormat = options.logFormat ?? 'text';
    this.log = options.log === undefined ? (line) => console.log(line) : options.log;
    if (this.logLevel === 'none') this.log = false;
    this.pages = new Map();
    for (const [path, assets] of Object.entries(options.pages)) {
      // Never push another origin's URL, whatever the manifest says.
      this.pages.set(path, orderAssets(assets.filter((asset) => isSameOriginPath(asset.url))));
    }
    this.routes = new RouteTable(
      Object.entries(options.routes ?? {}).map(([pattern, assets]) => [pattern, orderAssets(assets.filter((asset) => isSameOriginPath(asset.url)))] as const),
    );
  }

  /** The assets of the page a request path names (an exact page first, else the best route), or undefined when it is not a page. */
  pageAssets(requestPath: string): readonly PageAsset[] | undefined {
    return this.pages.get(pagePath(requestPath)) ?? this.routes.match(requestPath)?.value;
  }

  /** Decides the delivery of one page request. Never throws on client input. The plan may be shared with other requests: not to be changed. */
  plan(request: PageRequest, assets: readonly PageAsset[]): DeliveryPlan {
    const signals = readDigestSignals(request.headers);
    const mode = chooseMode(this.mode, { method: request.method, pushEnabled: request.pushEnabled, acceptsPushStream: signals.acceptsPushStream });
    if (mode === 'off') {
      // The same for every request of the page: made once.
      let plan = this.offPlans.get(assets);
      if (!plan) this.offPlans.set(assets, (plan = { mode, digestEntries: 0, digestStatus: 'none', assets: assets.map((asset) => ({ asset, state: 'missing' })) }));
      return plan;
    }
    const value = signals.cacheDigest;
    const digests = value === undefined ? (this.noDigest ??= this.readDigests(undefined)) : this.digests.get(value, () => this.readDigests(value));
    let members: readonly CacheDigestMember[] = digests.members;
    let { entries, status } = digests;
    const origin = `${request.scheme}://${request.authority}`;
    if (mode === 'push' && this.pushDigestScope === 'connection' && request.connectionDigests) {
      // What the connection's earlier requests said still holds; stream and hints read each request alone.
      ({ members, entries } = request.connectionDigests.apply(digests));
      if (members.length > 0) status = 'valid';
    } else if (value === undefined || (this.digestCacheOn && value.length <= this.maxDigestHeaderLength)) {
      // The same digest value for the same page, origin and mode: the same plan (kept while the parsed digest is).
      let byPage = this.plans.get(digests);
      if (!byPage) this.plans.set(digests, (byPage = new WeakMap()));
      let byKey = byPage.get(assets);
      if (!byKey) byPage.set(assets, (byKey = new Map()));
      const key = `${mode} ${origin}`;
      let plan = byKey.get(key);
      if (!plan) {
        plan = this.classify(mode, digests, members, entries, status, value, origin, assets);
        // Bounded: the authority comes from the client.
        if (byKey.size >= 16) byKey.clear();
        byKey.set(key, plan);
      }
      return plan;
    }
    return this.classify(mode, digests, members, entries, status, value, origin, assets);
  }

  /**
   * Whether a request's digests hold a URL of this origin with this ETag (`fresh` or `stale-current`, as a page's
   * assets are classified), for choosing a delta part's base (docs/push-stream.md); undefined without a usable digest.
   */
  holder(request: PageRequest): ((url: string, etag: string) => boolean) | undefined {
    const value = readDigestSignals(request.headers).cacheDigest;
    if (value === undefined) return undefined;
    const digests = this.digests.get(value, () => this.readDigests(value));
    const { members } = digests;
    if (members.length === 0) return undefined;
    const origin = `${request.scheme}://${request.authority}`;
    // Answers kept with the parsed digest (as its plans are): the same digest asks about the same bases again.
    let known = this.held.get(digests);
    if (!known) this.held.set(digests, (known = new Map()));
    return (url, etag) => {
      const absolute = origin + url;
      const key = `${absolute} ${etag}`;
      let held = known.get(key);
      if (held === undefined) {
        held = classifyAsset({ url: this.hash(absolute), withEtag: this.hash(absolute + etag) }, members) !== 'missing';
        if (known.size >= 256) known.clear();
        known.set(key, held);
      }
      return held;
    };
  }

  private readDigests(value: string | undefined): ReadDigests {
    return readDigestHeader(value, { maxLength: this.maxDigestHeaderLength, hash: this.hash, maxEntries: this.maxDigestEntries });
  }

  private classify(
    mode: ChosenMode,
    digests: ReadDigests,
    members: readonly CacheDigestMember[],
    entries: number,
    status: DeliveryPlan['digestStatus'],
    value: string | undefined,
    origin: string,
    assets: readonly PageAsset[],
  ): DeliveryPlan {
    const hashes = members.length === 0 ? undefined : this.hashes.forPage(origin, assets);
    return {
      mode,
      digestEntries: entries,
      digestStatus: status,
      ...(digests.error ? { digestError: digests.error } : {}),
      ...(members.length > 0 ? { digestRisk: { pBits: Math.min(...members.map((m) => m.digest.pBits)), length: value?.length ?? 0 } } : {}),
      assets: assets.map((asset, index) => ({ asset, state: hashes ? classifyAsset(hashes[index]!, members) : 'missing' })),
    };
  }

  /** The summary a page response reports for a plan and what was done with it. */
  summarize(plan: DeliveryPlan, outcome: DeliveryOutcome): DeliverySummary {
    const reported: ReportedMode = plan.mode === 'off' ? 'none' : plan.mode === 'links' ? 'hints' : plan.mode;
    if (reported === 'none') return { mode: 'none', digest: 0, pushed: 0, skipped: 0, bytes: 0 };
    return {
      mode: reported,
      digest: plan.digestEntries,
      pushed: outcome.pushed.length,
      skipped: outcome.skipped.length,
      bytes: sumSizes(outcome.pushed),
      ...(plan.digestRisk ? { pBits: plan.digestRisk.pBits } : {}),
      ...(plan.digestRisk && plan.digestRisk.length > DEFAULT_DIGEST_BUDGET ? { overBudget: plan.digestRisk.length } : {}),
    };
  }

  /**
   * The headers to add to the page response: the summary always; with any
   * mode but `off`, `Vary: cache-digest, accept-push-stream,
   * service-worker-navigation-preload`; preload Links
   * for hints (missing assets), links (missing, and `nopush` for held ones)
   * and push (missing assets that could not be pushed); `private` when the
   * response depends on this client (a digest was used, or push/stream).
   */
  pageHeaders(plan: DeliveryPlan, outcome: DeliveryOutcome): PageResponseHeaders {
    const headers: PageResponseHeaders = { [SUMMARY_HEADER]: formatSummaryHeader(this.summarize(plan, outcome)), private: false };
    if (plan.mode === 'off') return headers;
    headers.vary = VARY;
    headers.private = plan.digestStatus === 'valid' || plan.mode === 'push' || plan.mode === 'stream';
    let links: string[] = [];
    if (plan.mode === 'hints') links = outcome.pushed.map((asset) => this.linksOf(asset).preload);
    else if (plan.mode === 'links') {
      links = [...outcome.pushed.map((asset) => this.linksOf(asset).proxy), ...outcome.skipped.map((asset) => this.linksOf(asset).proxyNopush)];
    } else if (plan.mode === 'push') links = (outcome.notPushed ?? []).map((asset) => this.linksOf(asset).preload);
    if (links.length > 0) headers.link = links;
    return headers;
  }

  /** Counts one page request and writes its log line. */
  record(request: Pick<PageRequest, 'method' | 'path'>, plan: DeliveryPlan, outcome: DeliveryOutcome, status?: number): void {
    const summary = this.summarize(plan, outcome);
    this.stats.record({ digest: plan.digestStatus, pushed: summary.pushed, skipped: summary.skipped, bytesPushed: summary.bytes, bytesSaved: sumSizes(outcome.skipped) });
    if (!this.log) return;
    const line = this.logLine(request.method, request.path, status, plan, outcome, summary);
    if (line !== undefined) this.log(line);
  }

  /**
   * {@link record} for every request a plan and outcome stand for (an adapter
   * keeps it with its decision): the summary and counters are worked out
   * once, and a text line is reused while method, path and status repeat.
   */
  recorder(plan: DeliveryPlan, outcome: DeliveryOutcome): PageRecorder {
    const summary = this.summarize(plan, outcome);
    const figures = { digest: plan.digestStatus, pushed: summary.pushed, skipped: summary.skipped, bytesPushed: summary.bytes, bytesSaved: sumSizes(outcome.skipped) };
    const reuse = this.logFormat === 'text';
    let lastMethod: string | undefined;
    let lastPath: string | undefined;
    let lastStatus: number | undefined;
    let lastLine: string | undefined;
    return (method, path, status) => {
      this.stats.record(figures);
      if (!this.log) return;
      if (!reuse || method !== lastMethod || path !== lastPath || status !== lastStatus || lastLine === undefined) {
        lastLine = this.logLine(method, path, status, plan, outcome, summary);
        if (lastLine === undefined) return;
        lastMethod = method;
        lastPath = path;
        lastStatus = status;
      }
      this.log(lastLine);
    };
  }

  private logLine(method: string, path: string, status: number | undefined, plan: DeliveryPlan, outcome: DeliveryOutcome, summary: DeliverySummary): string | undefined {
    return formatLogLine(
      {
        method,
        path,
        ...(status === undefined ? {} : { status }),
        summary,
        links: plan.mode === 'links',
        verb: plan.mode === 'push' ? 'pushed' : plan.mode === 'stream' ? 'streamed' : 'hinted',
        pushedUrls: () => outcome.pushed.map((asset) => asset.url),
        skippedUrls: () => outcome.skipped.map((asset) => asset.url),
        ...(plan.digestStatus === 'invalid'
          ? { invalidDigest: plan.digestError ?? 'malformed' }
          : plan.digestError
            ? { skippedMembers: plan.digestError }
            : {}),
      },
      this.logLevel,
      this.logFormat,
    );
  }

  /** The asset's preload Link values (`preload`; for a pushing proxy, `proxy` and `proxyNopush`), built once per manifest asset. */
  linksOf(asset: PageAsset): { preload: string; proxy: string; proxyNopush: string } {
    let links = this.links.get(asset);
    if (!links) {
      links = { preload: preloadLink(asset), proxy: preloadLink(asset, { forProxy: true }), proxyNopush: preloadLink(asset, { forProxy: true, nopush: true }) };
      this.links.set(asset, links);
    }
    return links;
  }
}

function sumSizes(assets: readonly PageAsset[]): number {
  let total = 0;
  for (const asset of assets) total += asset.size;
  return total;
}
