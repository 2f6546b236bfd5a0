// @cache-digest/server/hono: the Hono middleware (hono is the application's own dependency).
export { cacheDigest, type CacheDigestHonoOptions } from './hono-middleware.ts';
export { memorySite, originSource, SourceError, type AssetSource, type MemoryFile } from './index.ts';
