import type { MiddlewareHandler } from 'hono';
import { isUnsafeEarlyData, TOO_EARLY_RESPONSE, TOO_EARLY_STATUS } from '../core/too-early.ts';
import type { DiscoveryOptions } from '../discovery/discovery-options.ts';
import { FetchDiscovery } from '../discovery/fetch-discovery.ts';
import { FetchDelivery, type FetchDeliveryOptions } from './fetch-delivery.ts';

/** Options of {@link cacheDigest} (Hono): the fetch delivery's, and what the fetch handler adds. */
export interface CacheDigestHonoOptions extends FetchDeliveryOptions {
  /**
   * Per-response discovery, for apps without a manifest (or paths it does not name): the head of each HTML page the
   * routes produce is read, and what it loads (and `assets` serves) is delivered from the next request on
   * (docs/discovery.md). `true` for the defaults.
   */
  discover?: boolean | DiscoveryOptions;
  /**
   * RFC 8470 (default true): a request a proxy or the platform marks `Early-Data: 1` (it came in TLS early data,
   * which an attacker can replay) and whose method is not safe gets 425 Too Early and never reaches the routes; the
   * browser retries it after the handshake. `false` when the app decides itself.
   */
  refuseUnsafeEarlyData?: boolean;
}

/**
 * A Hono middleware: a page of the manifest produced by the routes behind
 * it (`next()`) gets digest-driven delivery (a push stream, or preload
 * Links); every other request passes through untouched. The routes see the
 * request without validators and `Accept-Encoding` when the page goes into
 * a stream. Hono finishes the chain before a response leaves, so asset parts
 * overlap the page's production only with {@link createFetchHandler}.
 * `discover` learns pages without a manifest from their HTML (docs/discovery.md);
 * an unsafe request from TLS early data gets 425 (`refuseUnsafeEarlyData`).
 */
export function cacheDigest(options: CacheDigestHonoOptions): MiddlewareHandler {
  const delivery = new FetchDelivery(options);
  const refuseEarlyData = options.refuseUnsafeEarlyData ?? true;
  const discovery = options.discover ? new FetchDiscovery(options.discover === true ? {} : options.discover, options.assets, options.maxAssetBytes ?? 8 * 1024 * 1024) : undefined;
  return async (c, next) => {
    // RFC 8470, as in createFetchHandler: the routes never see an unsafe request from TLS early data.
    // c.body keeps the headers earlier middleware set with c.header().
    if (refuseEarlyData && isUnsafeEarlyData(c.req.method, c.req.header('early-data'))) return c.body(TOO_EARLY_RESPONSE.body, TOO_EARLY_STATUS, TOO_EARLY_RESPONSE.headers);
    let assets = delivery.pageAssets(c.req.raw);
    if (!assets && discovery) {
      const found = discovery.lookup(c.req.raw);
      if (found && 'learn' in found) {
        await next();
        const response = discovery.tap(c.res, found.learn, new URL(c.req.url).origin);
        c.res = undefined;
        c.res = response;
        return;
      }
      assets = found?.assets;
    }
    if (!assets) {
      await next();
      return;
    }
    let produced: Promise<Response> | undefined;
    const response = await delivery.respond(c.req.raw, assets, (request) => {
      produced = (async () => {
        c.req.raw = request;
        await next();
        return c.res;
      })();
      return produced;
    });
    await produced?.catch(() => undefined);
    // Cleared first: Hono's setter would copy the page's headers onto a push stream's outer head.
    c.res = undefined;
    c.res = response;
  };
}
