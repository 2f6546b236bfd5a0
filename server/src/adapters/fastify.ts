// @cache-digest/server/fastify: the Fastify plugin (fastify is the application's own dependency).
export { cacheDigestFastify } from './fastify-plugin.ts';
export { CacheDigestFastifyError, type CacheDigestFastifyErrorCode } from './fastify-plugin-error.ts';
export { earlyHintsWritten, type CacheDigestMiddlewareOptions } from './cache-digest-middleware.ts';
export { StaticSite } from '../static/index.ts';
