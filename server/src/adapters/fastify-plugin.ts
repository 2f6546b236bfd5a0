import type { FastifyPluginCallback, RawServerBase } from 'fastify';
import type { CacheDigestCore } from '../core/cache-digest-core.ts';
import { isUnsafeEarlyData, TOO_EARLY_RESPONSE, TOO_EARLY_STATUS } from '../core/too-early.ts';
import { cacheDigestMiddleware, type CacheDigestMiddlewareOptions } from './cache-digest-middleware.ts';
import { CacheDigestFastifyError } from './fastify-plugin-error.ts';
import type { NodeRequest, NodeResponse } from './node-types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The core of the registered {@link cacheDigestFastify} plugin: delivery stats, the manifest in use. */
    cacheDigest: CacheDigestCore;
  }
}

/**
 * A Fastify 5 plugin (`app.register(cacheDigestFastify, options)`, options as
 * {@link cacheDigestMiddleware}'s): the connect middleware run from an
 * `onRequest` hook on Fastify's raw request and response, so every mode works
 * as it does behind Express, over HTTP/1.1 and with Fastify's `http2` option
 * (push and 103 Early Hints need HTTP/2). The routes produce the pages and the
 * app serves the assets; a page of the manifest gets the delivery its request
 * allows and the `cache-digest-push` summary header. Not encapsulated: it
 * applies to every route of the instance it is registered on, children
 * included. Register it once per route tree: a second registration on the
 * same instance or below one that has it would deliver twice, so `register`
 * rejects with a {@link CacheDigestFastifyError} (`ALREADY_REGISTERED`);
 * sibling contexts may each register their own. An unsafe request from TLS
 * early data gets 425 through Fastify's reply, so `onSend` hooks see it.
 */
export const cacheDigestFastify: FastifyPluginCallback<CacheDigestMiddlewareOptions, RawServerBase> = Object.assign(
  (fastify: Parameters<FastifyPluginCallback<CacheDigestMiddlewareOptions, RawServerBase>>[0], options: CacheDigestMiddlewareOptions, done: (error?: Error) => void) => {
    if (fastify.hasDecorator('cacheDigest')) {
      done(
        new CacheDigestFastifyError(
          'ALREADY_REGISTERED',
          'cacheDigestFastify is already registered on this Fastify instance or a parent, whose hook already serves these routes: register it once per route tree (sibling contexts may each have their own)',
        ),
      );
      return;
    }
    const refuseEarlyData = options.refuseUnsafeEarlyData ?? true;
    // The 425 is answered here through Fastify's reply (so onSend hooks such as helmet's see it), not by the middleware.
    const middleware = cacheDigestMiddleware({ ...options, refuseUnsafeEarlyData: false });
    fastify.decorate('cacheDigest', middleware.core);
    // The middleware patches the raw response before the route runs; Fastify's reply writes through those patches.
    fastify.addHook('onRequest', (request, reply, next) => {
      if (refuseEarlyData && isUnsafeEarlyData(request.method, request.headers['early-data'])) {
        // Answered from the hook: Fastify runs onSend and skips the route; next() must not be called.
        void reply.code(TOO_EARLY_STATUS).headers(TOO_EARLY_RESPONSE.headers).send(TOO_EARLY_RESPONSE.body);
        return;
      }
      middleware(request.raw as NodeRequest, reply.raw as NodeResponse, (error) => next(error as Error | undefined));
    });
    done();
  },
  {
    // What fastify-plugin sets: the hook reaches the routes of the instance it is registered on, not only a child context.
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@cache-digest/server/fastify',
    [Symbol.for('plugin-meta')]: { name: '@cache-digest/server/fastify', fastify: '5.x' },
  },
);
