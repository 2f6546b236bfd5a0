import { hashKey, type KeyHasher } from '@cache-digest/shared';
import { AssetHashCache } from './asset-hash-cache.ts';
import { chooseMode } from './choose-mode.ts';
import { classifyAsset } from './classify-asset.ts';
import { DeliveryStats } from './delivery-stats.ts';
import { DigestCache } from './digest-cache.ts';
import { orderAssets } from './order-assets.ts';
import { pagePath } from './page-path.ts';
import { preloadLink } from './preload-link.ts';
import { readDigestHeader } from './read-digest-header.ts';
import { NAVIGATION_PRELOAD_HEADER, readDigestSignals } from './read-navigation-preload.ts';
import { formatSummaryHeader, SUMMARY_HEADER, type DeliverySummary } from './summary-header.ts';
import { DEFAULT_DIGEST_BUDGET, isSameOriginPath } from '@cache-digest/shared';
import type { DeliveryMode, DeliveryPlan, PageAsset, PageRequest, ReportedMode } from './types.ts';

/** Options of {@link CacheDigestCore}. */
export interface CacheDigestCoreOptions {
  /** Page path (`/index.html`) -> its assets, as in a push manifest's `pages`. */
  pages: Record<string, readonly PageAsset[]>;
  /** Delivery, forced or `auto` (default). */
  mode?: DeliveryMode;
  /** Bound on the `Cache-Digest` header in characters (default 32 KiB); a longer one counts as no digest. */
  maxDigestHeaderLength?: number;
  /** Key hasher (default the pure-JS SHA-256 prefix; Node adapters pass `hashKeyNode`). */
  hash?: KeyHasher;
  /** Counters to add to (default a new {@link DeliveryStats}). */
  stats?: DeliveryStats;
  /** Parsed `Cache-Digest` values remembered (default 256; 0 parses every request's header). */
  digestCacheSize?: number;
  /** Where the one line per page request goes; `false` for none. Default `console.log`. */
  log?: ((line: string) => void) | false;
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

/** The headers a page response gets, names lower-case. */
export interface PageResponseHeaders {
  'cache-digest-push': string;
  vary?: string;
  link?: string[];
  /** True when `Cache-Control` must be made private (see `makePrivate`). */
  private: boolean;
}

const VARY_NAMES = ['cache-digest', 'accept-push-stream', NAVIGATION_PRELOAD_HEADER];

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
  private readonly pages: Map<string, PageAsset[]>;
  private readonly hashes: AssetHashCache;
  private readonly digests: DigestCache;
  private readonly hash: KeyHasher;
  private readonly maxDigestHeaderLength: number;
  private readonly log: ((line: string) => void) | false;

  constructor(options: CacheDigestCoreOptions) {
    this.mode = options.mode ?? 'auto';
    this.stats = options.stats ?? new DeliveryStats();
    this.hash = options.hash ?? hashKey;
    this.hashes = new AssetHashCache({ hash: this.hash });
    this.digests = new DigestCache({ maxEntries: options.digestCacheSize ?? 256, maxValueLength: 8192 });
    this.maxDigestHeaderLength = options.maxDigestHeaderLength ?? 32 * 1024;
    this.log = options.log === undefined ? (line) => console.log(line) : options.log;
    this.pages = new Map();
    for (const [path, assets] of Object.entries(options.pages)) {
      // Never push another origin's URL, whatever the manifest says.
      this.pages.set(path, orderAssets(assets.filter((asset) => isSameOriginPath(asset.url))));
    }
  }

  /** The assets of the page a request path names, or undefined when it is not a page. */
  pageAssets(requestPath: string): readonly PageAsset[] | undefined {
    return this.pages.get(pagePath(requestPath));
  }

  /** Decides the delivery of one page request. Never throws on client input. */
  plan(request: PageRequest, assets: readonly PageAsset[]): DeliveryPlan {
    const signals = readDigestSignals(request.headers);
    const mode = chooseMode(this.mode, { method: request.method, pushEnabled: request.pushEnabled, acceptsPushStream: signals.acceptsPushStream });
    if (mode === 'off') {
      return { mode, digestEntries: 0, digestStatus: 'none', assets: assets.map((asset) => ({ asset, state: 'missing' })) };
    }
    const value = signals.cacheDigest;
    const parse = () => readDigestHeader(value, { maxLength: this.maxDigestHeaderLength, hash: this.hash });
    const digests = value === undefined ? parse() : this.digests.get(value, parse);
    const hashes = digests.members.length === 0 ? undefined : this.hashes.forPage(`${request.scheme}://${request.authority}`, assets);
    return {
      mode,
      digestEntries: digests.entries,
      digestStatus: digests.status,
      ...(digests.error ? { digestError: digests.error } : {}),
      ...(digests.members.length > 0 ? { digestRisk: { pBits: Math.min(...digests.members.map((m) => m.digest.pBits)), length: value?.length ?? 0 } } : {}),
      assets: assets.map((asset, index) => ({ asset, state: hashes ? classifyAsset(hashes[index]!, digests.members) : 'missing' })),
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
    headers.vary = VARY_NAMES.join(', ');
    headers.private = plan.digestStatus === 'valid' || plan.mode === 'push' || plan.mode === 'stream';
    let links: string[] = [];
    if (plan.mode === 'hints') links = outcome.pushed.map((asset) => preloadLink(asset));
    else if (plan.mode === 'links') {
      links = [
        ...outcome.pushed.map((asset) => preloadLink(asset, { forProxy: true })),
        ...outcome.skipped.map((asset) => preloadLink(asset, { forProxy: true, nopush: true })),
      ];
    } else if (plan.mode === 'push') links = (outcome.notPushed ?? []).map((asset) => preloadLink(asset));
    if (links.length > 0) headers.link = links;
    return headers;
  }

  /** Counts one page request and writes its log line. */
  record(request: Pick<PageRequest, 'method' | 'path'>, plan: DeliveryPlan, outcome: DeliveryOutcome, status?: number): void {
    const summary = this.summarize(plan, outcome);
    this.stats.record({
      digest: plan.digestStatus,
      pushed: summary.pushed,
      skipped: summary.skipped,
      bytesPushed: summary.bytes,
      bytesSaved: sumSizes(outcome.skipped),
    });
    if (!this.log) return;
    const parts = [
      `${printable(request.method, 16)} ${printable(request.path, 512)}${status === undefined ? '' : ` ${status}`}`,
      `${formatSummaryHeader(summary)}${plan.mode === 'links' ? ' (links)' : ''}`,
    ];
    const verb = plan.mode === 'push' ? 'pushed' : plan.mode === 'stream' ? 'streamed' : 'hinted';
    if (outcome.pushed.length > 0) parts.push(`${verb}: ${outcome.pushed.map((asset) => asset.url).join(' ')}`);
    if (outcome.skipped.length > 0) parts.push(`skipped: ${outcome.skipped.map((asset) => asset.url).join(' ')}`);
    if (plan.digestStatus === 'invalid') parts.push(`invalid digest ignored (${plan.digestError ?? 'malformed'})`);
    this.log(`cache-digest: ${parts.join(' | ')}`);
  }
}

/** Client-controlled text made safe for a one-line log: no control characters, bounded length. */
function printable(text: string, maxLength: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}

function sumSizes(assets: readonly PageAsset[]): number {
  let total = 0;
  for (const asset of assets) total += asset.size;
  return total;
}
