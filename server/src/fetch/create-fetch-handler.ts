import type { CacheDigestCore } from '../core/cache-digest-core.ts';
import { isUnsafeEarlyData, TOO_EARLY_RESPONSE, TOO_EARLY_STATUS } from '../core/too-early.ts';
import type { DiscoveryOptions } from '../discovery/discovery-options.ts';
import { FetchDiscovery } from '../discovery/fetch-discovery.ts';
import { SourceError, type AssetSource } from './asset-source.ts';
import { FetchDelivery, type FetchDeliveryOptions } from './fetch-delivery.ts';

/** Options of {@link createFetchHandler}. */
export interface FetchHandlerOptions extends FetchDeliveryOptions {
  /**
   * Where pages and every other request go (default `assets`). With
   * {@link originSource} as both, the handler fronts an existing site.
   */
  site?: AssetSource;
  /**
   * Per-response discovery, for sites without a manifest (or paths it does not name): the head of each HTML page
   * `site` answers is read, and what it loads (and `assets` serves) is delivered from the next request on
   * (docs/discovery.md). `true` for the defaults.
   */
  discover?: boolean | DiscoveryOptions;
  /**
   * RFC 8470 (default true): a request a proxy or the platform marks `Early-Data: 1` (it came in TLS early data,
   * which an attacker can replay) and whose method is not safe gets 425 Too Early and never reaches `site`; the
   * browser retries it after the handshake. `false` when the site decides itself.
   */
  refuseUnsafeEarlyData?: boolean;
}

/** A Web Fetch API handler with the core it reports through. */
export interface FetchHandler {
  (request: Request): Promise<Response>;
  readonly core: CacheDigestCore;
  /** Asset bodies compressed for push streams so far, in this isolate (a version is compressed once, a prebuilt one never). */
  readonly compressions: number;
}

/**
 * A runtime-neutral handler `(request) => Promise<Response>` for
 * `export default { fetch }` on workerd, Deno and Bun (or Node): a page of
 * the manifest gets digest-driven delivery (see {@link FetchDelivery}), its
 * page from `site`, its assets from `assets`; any other request is answered
 * by `site` (404 when it has nothing), except an unsafe one from TLS early
 * data, answered 425 (`refuseUnsafeEarlyData`).
 */
export function createFetchHandler(options: FetchHandlerOptions): FetchHandler {
  const delivery = new FetchDelivery(options);
  const site = options.site ?? options.assets;
  const fromSite = async (request: Request): Promise<Response> =>
    (await site(new URL(request.url), request)) ?? new Response('Not Found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const discovery = options.discover ? new FetchDiscovery(options.discover === true ? {} : options.discover, options.assets, options.maxAssetBytes ?? 8 * 1024 * 1024) : undefined;
  const refuseEarlyData = options.refuseUnsafeEarlyData ?? true;
  const handler = async (request: Request): Promise<Response> => {
    if (refuseEarlyData && isUnsafeEarlyData(request.method, request.headers.get('early-data') ?? undefined)) {
      return new Response(TOO_EARLY_RESPONSE.body, { status: TOO_EARLY_STATUS, headers: TOO_EARLY_RESPONSE.headers });
    }
    let assets = delivery.pageAssets(request);
    let learnKey: string | undefined;
    if (!assets && discovery) {
      const found = discovery.lookup(request);
      if (found && 'assets' in found) assets = found.assets;
      else if (found) learnKey = found.learn;
    }
    if (!assets) {
      try {
        const response = await fromSite(request);
        return learnKey === undefined ? response : discovery!.tap(response, learnKey, new URL(request.url).origin);
      } catch (error) {
        const status = error instanceof SourceError ? error.status : 502;
        return new Response(`${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      }
    }
    return delivery.respond(request, assets, fromSite);
  };
  return Object.defineProperties(handler, {
    core: { value: delivery.core, enumerable: true },
    compressions: { get: () => delivery.compressions, enumerable: true },
  }) as FetchHandler;
}
