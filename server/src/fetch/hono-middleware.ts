import type { MiddlewareHandler } from 'hono';
import { isUnsafeEarlyData, TOO_EARLY_RESPONSE, TOO_EARLY_STATUS } from '../core/too-early.ts';
import type { DiscoveryOptions } from '../discovery/discovery-options.ts';
import { FetchDiscovery } from '../discovery/fetch-discovery.ts';
import { FetchDelivery, type FetchDeliveryOptions } from './fetch-delivery.ts';

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
export function cacheDigest(options: FetchDeliveryOptions & { discover?: boolean | DiscoveryOptions; refuseUnsafeEarlyData?: boolean }): MiddlewareHandler {
  const delivery = new FetchDelivery(options);
  const refuseEarlyData = options.refuseUnsafeEarlyData ?? true;
  const discovery = options.discover ? new FetchDiscovery(options.discover === true ? {} : options.discover, options.assets, options.maxAssetBytes ?? 8 * 1024 * 1024) : undefined;
  return async (c, next) => {
    // RFC 8470, as in createFetchHandler: the routes never see an unsafe request from TLS early data.
    if (refuseEarlyData && isUnsafeEarlyData(c.req.method, c.req.header('early-data'))) {
      c.res = new Response(TOO_EARLY_RESPONSE.body, { status: TOO_EARLY_STATUS, headers: TOO_EARLY_RESPONSE.headers });
      return;
    }
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
