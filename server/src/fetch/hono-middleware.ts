import type { MiddlewareHandler } from 'hono';
import { FetchDelivery, type FetchDeliveryOptions } from './fetch-delivery.ts';

/**
 * A Hono middleware: a page of the manifest produced by the routes behind
 * it (`next()`) gets digest-driven delivery (a push stream, or preload
 * Links); every other request passes through untouched. The routes see the
 * request without validators and `Accept-Encoding` when the page goes into
 * a stream. Hono finishes the chain before a response leaves, so asset parts
 * overlap the page's production only with {@link createFetchHandler}.
 */
export function cacheDigest(options: FetchDeliveryOptions): MiddlewareHandler {
  const delivery = new FetchDelivery(options);
  return async (c, next) => {
    const assets = delivery.pageAssets(c.req.raw);
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
