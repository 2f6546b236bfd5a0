import type { FastifyPluginCallback, RawServerBase } from 'fastify';
import type { CacheDigestCore } from '../core/cache-digest-core.ts';
import { cacheDigestMiddleware, type CacheDigestMiddlewareOptions } from './cache-digest-middleware.ts';
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
 * applies to every route of the instance it is registered on.
 */
export const cacheDigestFastify: FastifyPluginCallback<CacheDigestMiddlewareOptions, RawServerBase> = Object.assign(
  (fastify: Parameters<FastifyPluginCallback<CacheDigestMiddlewareOptions, RawServerBase>>[0], options: CacheDigestMiddlewareOptions, done: (error?: Error) => void) => {
    const middleware = cacheDigestMiddleware(options);
    fastify.decorate('cacheDigest', middleware.core);
    // The middleware patches the raw response before the route runs; Fastify's reply writes through those patches.
    fastify.addHook('onRequest', (request, reply, next) => {
      let passed = false;
      middleware(request.raw as NodeRequest, reply.raw as NodeResponse, (error) => {
        passed = true;
        next(error as Error | undefined);
      });
      // Answered by the middleware itself (425 Too Early): Fastify, seeing the reply sent, stops there.
      if (!passed && reply.raw.writableEnded) next();
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
