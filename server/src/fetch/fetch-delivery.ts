import { ACCEPT_PUSH_STREAM_HEADER, CACHE_DIGEST_HEADER, isSameOriginPath, NAVIGATION_PRELOAD_HEADER } from '@cache-digest/shared';
import { CacheDigestCore, type CacheDigestCoreOptions, type DeliveryOutcome } from '../core/cache-digest-core.ts';
import { pageHeaderWrites, pushStreamHeaders } from '../core/page-header-writes.ts';
import type { PageAsset, PageRequest } from '../core/types.ts';
import { StreamPieceCache } from '../compression/stream-piece-cache.ts';
import { webDeflate } from '../compression/web-deflate.ts';
import { acceptsGzip } from '../static/accept-encoding.ts';
import { SourceError, type AssetSource } from './asset-source.ts';
import { pushStreamBody, type FetchDeltaLookup } from './push-stream-body.ts';

/** Options of {@link FetchDelivery}. */
export interface FetchDeliveryOptions extends CacheDigestCoreOptions {
  /** Where the bodies of streamed assets come from. */
  assets: AssetSource;
  /** Larger assets are left to the client to fetch (default 8 MiB). */
  maxAssetBytes?: number;
  /**
   * Push streams gzip-encoded for requests that accept gzip (default true): each text asset is compressed once per
   * version with the runtime's `CompressionStream` and reused by every stream; the page is deflated per request.
   * `false`, or a runtime without `CompressionStream('deflate-raw')`: identity streams.
   */
  streamCompression?: boolean;
  /**
   * Pieces files made at build time (`cache-digest pieces DIR`, docs/push-stream.md, Compression): before compressing
   * an asset version, ask `assets` for its pieces file (`/app.js` -> `/app.js.pieces`) and use it when it matches the
   * body, so that no isolate spends CPU compressing assets. Default false (no extra lookup).
   */
  prebuiltPieces?: boolean;
  /**
   * Delta parts (docs/push-stream.md, Delta parts): looks up a delta of an asset against a version the client's digest
   * holds. The Node adapters make these from previous builds on disk; at the edge the caller supplies them (made at
   * build time, for instance), since no previous build is on a disk there and `CompressionStream` takes no dictionary.
   */
  deltas?: FetchDeltaLookup;
}

/** Produces the page for a (possibly rewritten) request: a source, an application, `next()`. */
export type PageProducer = (request: Request) => Promise<Response>;

/**
 * Request headers the page producer must not see in stream mode: a page part
 * reaches the page through a worker's synthesized response, which the
 * browser never decodes, and the navigation's validators and range come from
 * the browser's HTTP cache, which cannot see inside the stream.
 */
const PAGE_PART_REQUEST_HEADERS_DROPPED = ['accept-encoding', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'];

/**
 * Digest-driven delivery for Web Fetch API runtimes (workerd, Deno, Bun,
 * Node): the same {@link CacheDigestCore} decides, this class only writes
 * Responses. Modes: `stream` (a push stream whose asset parts start before
 * the page is produced), `hints` and `links` (preload Links on the page;
 * no fetch runtime lets a handler send a 103, so there is none), `off`.
 * `push` cannot happen here (no HTTP/2 push in a fetch handler): `auto`
 * picks a stream or hints.
 */
export class FetchDelivery {
  /** The decision maker, with its stats. */
  readonly core: CacheDigestCore;
  private readonly source: AssetSource;
  private readonly maxAssetBytes: number;
  private readonly pieces: StreamPieceCache | undefined;
  private readonly deltas: FetchDeltaLookup | undefined;
  private readonly prebuiltPieces: boolean;
  // Pages (a manifest page's or route's asset list) seen setting a cookie: stream mode falls back to hints for them.
  private readonly cookiePages = new WeakSet<readonly PageAsset[]>();

  constructor(options: FetchDeliveryOptions) {
    this.core = new CacheDigestCore(options);
    this.source = options.assets;
    this.maxAssetBytes = options.maxAssetBytes ?? 8 * 1024 * 1024;
    this.pieces = options.streamCompression !== false && hasWebDeflate() ? new StreamPieceCache(webDeflate) : undefined;
    this.deltas = options.deltas;
    this.prebuiltPieces = options.prebuiltPieces === true;
  }

  /** Asset bodies this delivery compressed for push streams so far (none taken from pieces files or cached). */
  get compressions(): number {
    return this.pieces?.compressions ?? 0;
  }

  /** The page assets of a GET or HEAD of a manifest page, else undefined (not a page: pass it on). */
  pageAssets(request: Request): readonly PageAsset[] | undefined {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const url = new URL(request.url);
    return this.core.pageAssets(url.pathname + url.search);
  }

  /** Answers a page request: plans, produces the page with `produce`, and delivers. Never throws on client input. */
  async respond(request: Request, assets: readonly PageAsset[], produce: PageProducer): Promise<Response> {
    const url = new URL(request.url);
    const pageRequest: PageRequest = {
      method: request.method,
      path: url.pathname + url.search,
      authority: url.host,
      scheme: url.protocol.slice(0, -1),
      // Only what the core reads: copying every header would cost more than the decision.
      headers: negotiationHeaders(request.headers),
      pushEnabled: false,
      http2: false,
    };
    let plan = this.core.plan(pageRequest, assets);
    // Set-Cookie cannot cross a worker's synthesized response: a page known to set one is answered as itself, with Links.
    if (plan.mode === 'stream' && this.cookiePages.has(assets)) plan = { ...plan, mode: 'hints' };
    const held = plan.assets.filter((entry) => entry.state !== 'missing').map((entry) => entry.asset);
    const missing = plan.assets.filter((entry) => entry.state === 'missing').map((entry) => entry.asset);
    let outcome: DeliveryOutcome = plan.mode === 'off' ? { pushed: [], skipped: [] } : { pushed: missing, skipped: held };

    if (plan.mode === 'stream') {
      const headers = new Headers(request.headers);
      for (const name of PAGE_PART_REQUEST_HEADERS_DROPPED) headers.delete(name);
      const abort = new AbortController();
      const page = produce(new Request(request, { headers, signal: abort.signal }));
      const streamed = plan.assets.filter((entry) => entry.state !== 'fresh');
      const compress = this.pieces !== undefined && acceptsGzip(clientAcceptEncoding(request));
      const holds = this.deltas ? this.core.holder(pageRequest) : undefined;
      const body = pushStreamBody({
        pageUrl: pagePartUrl(url.pathname),
        page,
        assets: streamed,
        source: this.source,
        origin: url.origin,
        maxAssetBytes: this.maxAssetBytes,
        onPageHead: (status, setsCookie) => {
          if (setsCookie) this.cookiePages.add(assets);
          this.core.record(pageRequest, plan, outcome, status);
        },
        onCancel: () => abort.abort(),
        ...(compress ? { compression: this.pieces, prebuiltPieces: this.prebuiltPieces } : {}),
        ...(holds ? { delta: { find: this.deltas!, holds } } : {}),
      });
      const streamHeaders = pushStreamHeaders(this.core.pageHeaders(plan, outcome), streamed.map((entry) => entry.asset.url));
      // Every asset of the page as served now, held ones included: the worker keeps these first and retires what a deploy replaced.
      streamHeaders['push-stream-assets'] = plan.assets.map((entry) => entry.asset.url).join(', ');
      if (this.pieces) streamHeaders.vary = streamHeaders.vary ? `${streamHeaders.vary}, accept-encoding` : 'accept-encoding';
      if (compress) streamHeaders['content-encoding'] = 'gzip';
      // workerd compresses a body itself when its response names a coding, unless told it already is encoded.
      return new Response(body, { status: 200, headers: streamHeaders, ...(compress ? { encodeBody: 'manual' } : {}) } as ResponseInit);
    }

    let page: Response;
    try {
      page = await produce(request);
    } catch (error) {
      const status = error instanceof SourceError ? error.status : 502;
      page = new Response(status === 504 ? 'Gateway Timeout\n' : 'Bad Gateway\n', { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
    }
    if (page.headers.has('set-cookie')) this.cookiePages.add(assets);
    // An error page gets no preloads.
    if (page.status >= 400 && plan.mode !== 'off') outcome = { pushed: [], skipped: held };
    this.core.record(pageRequest, plan, outcome, page.status);
    const headers = new Headers(page.headers);
    for (const [name, value] of pageHeaderWrites(this.core.pageHeaders(plan, outcome), headers, page.status)) headers.set(name, value);
    return new Response(page.body, { status: page.status, statusText: page.statusText, headers });
  }
}

/**
 * The client's Accept-Encoding. Cloudflare (and workerd under Miniflare) shows a worker `br, gzip` whatever the client
 * sent, and keeps what it sent in `request.cf.clientAcceptEncoding`.
 */
function clientAcceptEncoding(request: Request): string | undefined {
  const original = (request as { cf?: { clientAcceptEncoding?: unknown } }).cf?.clientAcceptEncoding;
  return typeof original === 'string' ? original : (request.headers.get('accept-encoding') ?? undefined);
}

/** Whether this runtime's `CompressionStream` makes raw deflate (Node 20.12+, workerd, Deno, Bun, browsers). */
function hasWebDeflate(): boolean {
  try {
    new CompressionStream('deflate-raw');
    return true;
  } catch {
    return false;
  }
}

function negotiationHeaders(headers: Headers): Record<string, string | undefined> {
  return {
    [CACHE_DIGEST_HEADER]: headers.get(CACHE_DIGEST_HEADER) ?? undefined,
    [ACCEPT_PUSH_STREAM_HEADER]: headers.get(ACCEPT_PUSH_STREAM_HEADER) ?? undefined,
    [NAVIGATION_PRELOAD_HEADER]: headers.get(NAVIGATION_PRELOAD_HEADER) ?? undefined,
  };
}

/** The page part's `url`: the request path, or `/` when that is not a plain same-origin path. */
function pagePartUrl(pathname: string): string {
  return isSameOriginPath(pathname) ? pathname : '/';
}
