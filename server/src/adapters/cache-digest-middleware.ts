import type { Http2ServerRequest } from 'node:http2';
import { isSameOriginPath } from '@cache-digest/shared';
import { CacheDigestCore, type CacheDigestCoreOptions, type DeliveryOutcome } from '../core/cache-digest-core.ts';
import { earlyHintLinks, pageHeaderWrites, pushStreamHeaders } from '../core/page-header-writes.ts';
import type { DeliveryPlan, PageAsset, PageRequest } from '../core/types.ts';
import { StaticSite } from '../static/index.ts';
import { staticSiteAssetReader, type AssetReader, type AssetResponse } from './asset-reader.ts';
import { responseClosed } from './response-closed.ts';
import { beforeHead } from './before-head.ts';
import { describeRequest } from './describe-request.ts';
import type { NextFunction, NodeRequest, NodeResponse } from './node-types.ts';
import { pushAssets } from './push-assets.ts';
import { startPushStream } from './push-stream-response.ts';
import { DeltaBases } from './delta-bases.ts';
import { DeltaParts } from './delta-parts.ts';
import { StreamPieceCache } from './stream-pieces.ts';
import { acceptsGzip } from '../static/accept-encoding.ts';
import { sessionDigests } from './session-digests.ts';
import { pagePath } from '../core/page-path.ts';
import { isUnsafeEarlyData, TOO_EARLY_RESPONSE, TOO_EARLY_STATUS } from '../core/too-early.ts';
import { captureHtmlHead } from '../discovery/capture-html-head.ts';
import { describeReferences } from '../discovery/describe-references.ts';
import { DiscoveredPages } from '../discovery/discovered-pages.ts';
import type { DiscoveryOptions } from '../discovery/discovery-options.ts';
import { headReferences } from '../discovery/head-references.ts';

/** Options of {@link cacheDigestMiddleware}. */
export interface CacheDigestMiddlewareOptions extends CacheDigestCoreOptions {
  /** Where pushed and streamed asset bodies come from: a {@link StaticSite} or any reader. */
  assets: StaticSite | AssetReader;
  /** Delay before a 103 is written while the page is not ready, in ms (default 5: Chromium ignores a 103 written in the request's own tick); a page ready sooner sends it just ahead of its head. */
  earlyHintsDelayMs?: number;
  /** A push that makes no progress for this long is reset (default 30 s). */
  pushIdleTimeoutMs?: number;
  /**
   * Per-response discovery, for apps without a manifest (or paths it does not name): the head of each HTML page
   * the application produces is read, and what it loads is remembered per page path and delivered from the next
   * request on (docs/discovery.md). `true` for the defaults.
   */
  discover?: boolean | DiscoveryOptions;
  /**
   * RFC 8470 (default true): a request a proxy in front marks `Early-Data: 1` (it came in TLS early data, which an
   * attacker can replay) and whose method is not safe (POST, PUT, DELETE, PATCH…) gets 425 Too Early and never
   * reaches the application; the browser retries it after the handshake. `false` when the application decides itself.
   */
  refuseUnsafeEarlyData?: boolean;
  /**
   * Push streams go gzip-encoded to clients that accept gzip (default true), each asset compressed once per file
   * version and reused (docs/push-stream.md, Compression); `false` sends them identity-encoded.
   */
  streamCompression?: boolean;
  /**
   * Build directories of earlier versions of the site (its old hashed files): besides the site's own root, where
   * a push stream looks for the version of a changed asset the client holds, to send a delta part against it
   * (docs/push-stream.md, Delta parts). Deltas are on whenever bases are found; `deltaParts: false` turns them off.
   */
  previousBuilds?: readonly string[];
  /** Delta parts against versions the client holds (default true; docs/push-stream.md, Delta parts). */
  deltaParts?: boolean;
  /**
   * How long a stream waits for a delta not in memory yet (bases read, pair made: the first request after a deploy;
   * default 100 ms); past it the whole part goes and the delta is kept for later requests.
   */
  deltaWaitMs?: number;
}

/** A connect-style middleware with the core it reports through. */
export interface CacheDigestMiddleware {
  (req: NodeRequest, res: NodeResponse, next: NextFunction): void;
  readonly core: CacheDigestCore;
}

/** Adds `accept-encoding` to a push stream's Vary when streams may be compressed. */
function varyOnEncoding(headers: Record<string, string>, compressible: boolean): Record<string, string> {
  if (!compressible) return headers;
  return { ...headers, vary: headers.vary ? `${headers.vary}, accept-encoding` : 'accept-encoding' };
}

/**
 * Request headers the application must not see when it produces a page part:
 * a part reaches the page through a worker's synthesized response, which the
 * browser never decodes (so the page must be identity-encoded), and the
 * navigation's validators (and any range) come from the browser's HTTP cache,
 * which cannot see inside the stream: a 304 or 206 page part would be unusable.
 */
const PAGE_PART_REQUEST_HEADERS_DROPPED = ['accept-encoding', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'];

const earlyHints = new WeakMap<NodeRequest, Promise<void>>();
/** Most distinct unreadable asset URLs one middleware logs (each once). */
const MAX_SAID_UNREADABLE = 1024;

/**
 * Resolves once the request's 103 Early Hints have been written (at once
 * when there are none): a handler that produces the page quickly awaits it,
 * so that the final head does not overtake the 103.
 */
export function earlyHintsWritten(req: NodeRequest): Promise<void> {
  return earlyHints.get(req) ?? Promise.resolve();
}

/**
 * Connect/Express-style middleware `(req, res, next)` that puts digest-driven
 * delivery in front of any application handler. For a GET or HEAD of a page
 * the options' `pages` list, it reads the client's digests and, before
 * calling `next()` (which produces the page), starts the delivery the
 * request allows: HTTP/2 pushes, a push stream, or 103 Early Hints (plus
 * preload Links on the page), or in `links` mode only the filtered Link
 * headers. Every page response gets the `cache-digest-push` summary header;
 * other requests pass straight through, except an unsafe one from TLS early
 * data, answered 425 (`refuseUnsafeEarlyData`).
 */
export function cacheDigestMiddleware(options: CacheDigestMiddlewareOptions): CacheDigestMiddleware {
  const core = new CacheDigestCore(options);
  const read = options.assets instanceof StaticSite ? staticSiteAssetReader(options.assets) : options.assets;
  const hintsDelay = options.earlyHintsDelayMs ?? 5;
  // Pages (a manifest page's or route's asset list) seen setting a cookie: stream mode falls back to hints for them.
  const cookiePages = new WeakSet<readonly PageAsset[]>();
  const discoverOptions: DiscoveryOptions | undefined = options.discover === true ? {} : options.discover || undefined;
  const discovered = discoverOptions ? new DiscoveredPages(discoverOptions) : undefined;
  const streamPieces = options.streamCompression === false ? undefined : new StreamPieceCache();
  const deltaRoots = [...(options.assets instanceof StaticSite ? [options.assets.root] : []), ...(options.previousBuilds ?? [])];
  const deltaParts = options.deltaParts === false || deltaRoots.length === 0 ? undefined : new DeltaParts(new DeltaBases(deltaRoots), { waitMs: options.deltaWaitMs });

  /** Reads the head of the HTML this response carries and, once it completed, remembers what the page loads. */
  function learnFromResponse(res: NodeResponse, key: string): void {
    captureHtmlHead(res, discoverOptions?.maxHeadBytes ?? 64 * 1024, (html) => {
      const references = headReferences(html, key, discoverOptions?.maxAssetsPerPage ?? 64);
      describeReferences(references, read).then(
        (assets) => discovered!.set(key, assets),
        () => undefined,
      );
    });
  }

  const refuseEarlyData = options.refuseUnsafeEarlyData ?? true;

  const middleware = (req: NodeRequest, res: NodeResponse, next: NextFunction): void => {
    const method = req.method ?? 'GET';
    if (refuseEarlyData && isUnsafeEarlyData(method, req.headers['early-data'])) {
      res.writeHead(TOO_EARLY_STATUS, TOO_EARLY_RESPONSE.headers);
      res.end(TOO_EARLY_RESPONSE.body);
      return;
    }
    let assets = method === 'GET' || method === 'HEAD' ? core.pageAssets(req.url ?? '/') : undefined;
    if (!assets && discovered && (method === 'GET' || method === 'HEAD')) {
      const key = pagePath(req.url ?? '/');
      const learnedAt = discovered.learnedAt(key);
      if (learnedAt !== undefined && Date.now() - learnedAt < (discoverOptions?.refreshMs ?? 60_000)) assets = discovered.get(key);
      else if (method === 'GET' && /text\/html|\*\/\*/.test(String(req.headers['accept'] ?? '*/*'))) {
        // Not known (or due for a refresh): this response goes as the application makes it, and teaches the next.
        learnFromResponse(res, key);
        next();
        return;
      } else assets = discovered.get(key);
    }
    if (!assets) {
      next();
      return;
    }
    // Delivery is an optimisation: whatever failed, the page must still be served.
    const failed = (error: unknown): void => console.error('cache-digest: delivery failed:', error);
    let pending: Promise<void> | undefined;
    try {
      pending = handlePage(req, res, assets);
    } catch (error) {
      failed(error);
    }
    if (!pending) return next();
    pending.then(() => next(), (error: unknown) => {
      failed(error);
      next();
    });
  };

  // The page log's destination (the core's `log`): an asset that cannot be sent is said there, not silently dropped.
  const log = options.log === false || options.logLevel === 'none' ? undefined : (options.log ?? ((line: string) => console.log(line)));
  /** URLs already said to be unreadable: once each (up to a bound), so a manifest entry the site refuses does not log a line per request. */
  const saidUnreadable = new Set<string>();

  /** Reads the assets to send beforehand: only those that can be sent are announced and counted (a manifest entry the site refuses is not). */
  async function readable(entries: readonly { asset: PageAsset; state: string }[], mode: 'push' | 'stream'): Promise<Map<PageAsset, AssetResponse | null>> {
    const responses = new Map<PageAsset, AssetResponse | null>();
    await Promise.all(
      entries.map(async ({ asset }) => {
        let failure: { error: unknown } | undefined;
        const response = await read(asset).catch((error: unknown) => ((failure = { error }), null));
        responses.set(asset, response);
        if (!response && log && !saidUnreadable.has(asset.url) && saidUnreadable.size < MAX_SAID_UNREADABLE) {
          saidUnreadable.add(asset.url);
          void whyUnreadable(asset, failure).then((reason) => logUnreadable(mode, asset, reason)).catch(() => undefined);
        }
      }),
    );
    return responses;
  }

  /** Why an asset could not be read for delivery (looked into only when it failed). */
  async function whyUnreadable(asset: PageAsset, failure: { error: unknown } | undefined): Promise<string> {
    if (failure) return failure.error instanceof Error ? failure.error.message : String(failure.error);
    if (!(options.assets instanceof StaticSite)) return 'the asset reader returned nothing';
    const site = options.assets;
    const file = await site.resolve(asset.url);
    if (!file) return 'not in the site (missing, a dotfile, or outside the root)';
    return site.read(file).then(
      () => 'could not be read at the time',
      (error: unknown) => `could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  function logUnreadable(mode: 'push' | 'stream', asset: PageAsset, reason: string): void {
    const verb = mode === 'push' ? 'pushed' : 'streamed';
    log?.(
      options.logFormat === 'json'
        ? JSON.stringify({ time: new Date().toISOString(), msg: `cache-digest asset not ${verb}`, url: asset.url, reason })
        : `cache-digest: not ${verb}: ${asset.url} (${reason})`,
    );
  }

  /** Plans the page's delivery and starts it; a promise when it first reads the assets (push and stream), which `next()` waits for. */
  function handlePage(req: NodeRequest, res: NodeResponse, assets: readonly PageAsset[]): Promise<void> | undefined {
    const request = describeRequest(req);
    if (request.http2 && core.pushDigestScope === 'connection') {
      const session = (req as Http2ServerRequest).stream.session;
      if (session) request.connectionDigests = sessionDigests(session, `${request.scheme}://${request.authority}`);
    }
    let plan = core.plan(request, assets);
    // Set-Cookie cannot cross a worker's synthesized response: a page known to set one is answered as itself, with hints.
    if (plan.mode === 'stream' && cookiePages.has(assets)) plan = { ...plan, mode: 'hints' };
    const noteCookie = (setsCookie: boolean): void => {
      if (setsCookie) cookiePages.add(assets);
    };
    if (plan.mode === 'push' || plan.mode === 'stream') {
      const streamPlan = plan;
      return readable(plan.assets.filter((entry) => entry.state !== 'fresh'), plan.mode).then((responses) => deliver(req, res, request, streamPlan, noteCookie, responses));
    }
    deliver(req, res, request, plan, noteCookie);
    return undefined;
  }

  function deliver(
    req: NodeRequest,
    res: NodeResponse,
    request: PageRequest,
    plan: DeliveryPlan,
    noteCookie: (setsCookie: boolean) => void,
    responses?: ReadonlyMap<PageAsset, AssetResponse | null>,
  ): void {
    if (responseClosed(res)) return;
    const held = plan.assets.filter((entry) => entry.state !== 'missing').map((entry) => entry.asset);
    let missing = plan.assets.filter((entry) => entry.state === 'missing').map((entry) => entry.asset);
    if (responses) {
      // Refused on the way (a dotfile, outside the root, gone): neither sent nor counted.
      missing = missing.filter((asset) => responses.get(asset));
      plan = { ...plan, assets: plan.assets.filter((entry) => entry.state === 'fresh' || responses.get(entry.asset)) };
    }

    if (plan.mode === 'stream') {
      const compress = streamPieces && acceptsGzip(req.headers['accept-encoding']);
      // Read before the stream drops the negotiation headers from the page's request.
      const holds = deltaParts && core.holder(request);
      for (const name of PAGE_PART_REQUEST_HEADERS_DROPPED) delete req.headers[name];
      const outcome: DeliveryOutcome = { pushed: missing, skipped: held };
      const streamed = plan.assets.filter((entry) => entry.state !== 'fresh').map((entry) => entry.asset.url);
      startPushStream(res, {
        pageUrl: pagePartUrl(request.path),
        assets: plan.assets,
        read,
        ...(responses ? { responses } : {}),
        headers: varyOnEncoding(pushStreamHeaders(core.pageHeaders(plan, outcome), streamed), streamPieces !== undefined),
        ...(compress ? { compression: streamPieces } : {}),
        ...(holds ? { delta: (url: string, response: AssetResponse) => deltaParts!.find(url, response, holds) } : {}),
        onPageHead: (status, setsCookie) => {
          noteCookie(setsCookie);
          core.record(request, plan, outcome, status);
        },
      });
      return;
    }

    let outcome: DeliveryOutcome;
    let cancelPushes = (): void => {};
    if (plan.mode === 'push') {
      const result = pushAssets((req as Http2ServerRequest).stream, missing, responses ? (asset) => Promise.resolve(responses.get(asset) ?? null) : read, {
        ...(options.pushIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.pushIdleTimeoutMs }),
      });
      outcome = { pushed: result.pushed, skipped: [...held, ...result.alreadyPushed], notPushed: result.notPushed };
      cancelPushes = result.cancel;
    } else if (plan.mode === 'off') {
      outcome = { pushed: [], skipped: [] };
    } else {
      outcome = { pushed: missing, skipped: held };
    }
    const flushEarlyHints = request.http2 ? scheduleEarlyHints(req, res, plan, outcome) : undefined;
    beforeHead(res, (status) => {
      noteCookie(res.hasHeader('set-cookie'));
      // A page ready before the timer: its 103 goes out now, just ahead of it, rather than the page waiting for the timer.
      flushEarlyHints?.(status < 400);
      if (status >= 400) {
        // An error page gets no preloads, and the pushes promised for it are cancelled unless already under way.
        cancelPushes();
        if (plan.mode !== 'push') outcome = { pushed: [], skipped: outcome.skipped };
      }
      // The core decides every header (merged with what the application set); this only writes them.
      for (const [name, value] of pageHeaderWrites(core.pageHeaders(plan, outcome), responseHeaderView(res), status)) res.setHeader(name, value);
    });
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      core.record(request, plan, outcome, res.statusCode);
    };
    res.once('finish', record);
    res.once('close', record);
  }

  /** Writes the 103 after the delay, or at once when the page's head comes first (`flush`, false for an error page: no 103). */
  function scheduleEarlyHints(req: NodeRequest, res: NodeResponse, plan: DeliveryPlan, outcome: DeliveryOutcome): ((send: boolean) => void) | undefined {
    const links = earlyHintLinks(plan, outcome, (asset) => core.linksOf(asset).preload);
    if (links.length === 0) return undefined;
    const stream = (req as Http2ServerRequest).stream;
    let settle = (): void => {};
    const write = (send: boolean): void => {
      clearTimeout(timer);
      try {
        if (send && !res.headersSent && !stream.destroyed && !stream.headersSent) stream.additionalHeaders({ ':status': 103, link: links });
      } catch {
        // The stream closed meanwhile: nothing to hint.
      }
      settle();
    };
    let done = false;
    const once = (send: boolean): void => {
      if (done) return;
      done = true;
      write(send);
    };
    const timer = setTimeout(() => once(true), hintsDelay);
    earlyHints.set(
      req,
      new Promise<void>((resolve) => {
        settle = resolve;
        res.once('close', () => once(false));
      }),
    );
    return once;
  }

  return Object.assign(middleware, { core });
}

/** The page part's `url`: the request path without its query, or `/` when that is not a plain same-origin path. */
function pagePartUrl(requestPath: string): string {
  const path = requestPath.split(/[?#]/)[0] ?? '';
  return isSameOriginPath(path) ? path : '/';
}

/** The response's headers as the core reads them: `get(name)`, lists joined with `, `. */
function responseHeaderView(res: NodeResponse): { get(name: string): string | undefined } {
  return {
    get(name) {
      const value = res.getHeader(name);
      if (value === undefined) return undefined;
      return Array.isArray(value) ? value.join(', ') : String(value);
    },
  };
}
