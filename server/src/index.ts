// @cache-digest/server: an HTTP/2 server kit that reads Cache Digests and
// delivers only the assets a client lacks (push, push stream, hints, links).
export { startServer, STATS_PATH, type RunningServer, type StartServerOptions } from './adapters/start-server.ts';
export {
  cacheDigestMiddleware,
  earlyHintsWritten,
  type CacheDigestMiddleware,
  type CacheDigestMiddlewareOptions,
} from './adapters/cache-digest-middleware.ts';
export { createCacheDigestServer, type CacheDigestServer, type CacheDigestServerOptions, type LiveState } from './adapters/create-cache-digest-server.ts';
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from './adapters/server-limits.ts';
export { ConnectionDigests, type ConnectionDigestsOptions, type HeldDigests } from './core/connection-digests.ts';
export { staticSiteAssetReader, type AssetReader, type AssetResponse } from './adapters/asset-reader.ts';
export { missingClientScripts } from './adapters/client-scripts.ts';
export { clientScriptsMiddleware } from './adapters/client-scripts-middleware.ts';
export { memoryScript, memoryScriptResponse, type MemoryScript } from './adapters/memory-script.ts';
export { writeStaticResponse } from './adapters/write-static-response.ts';
export { LoaderInjector, type LoaderInjectorOptions } from './adapters/loader-injector.ts';
export { insertLoaderTag, loaderTag } from './adapters/insert-loader-tag.ts';
export type { NextFunction, NodeRequest, NodeResponse } from './adapters/node-types.ts';
export { CacheDigestCore, type CacheDigestCoreOptions, type DeliveryOutcome, type PageResponseHeaders } from './core/cache-digest-core.ts';
export { DeliveryStats, type DeliveryStatsSnapshot } from './core/delivery-stats.ts';
export { formatSummaryHeader, parseSummaryHeader, SUMMARY_HEADER, type DeliverySummary } from './core/summary-header.ts';
export { preloadLink } from './core/preload-link.ts';
export { formatLogLine, type LogEntry, type LogFormat, type LogLevel } from './core/log-line.ts';
export { bufferedLog, type BufferedLog } from './adapters/buffered-log.ts';
export { readDigestSignals, NAVIGATION_PRELOAD_HEADER, type DigestSignals } from './core/read-navigation-preload.ts';
export { chooseMode } from './core/choose-mode.ts';
export { orderAssets } from './core/order-assets.ts';
export { makePrivate, mergeVary } from './core/response-privacy.ts';
export type { AssetState, ChosenMode, DeliveryMode, DeliveryPlan, PageAsset, PageRequest, ReportedMode } from './core/types.ts';
export { StaticSite, StaticFileError, type StaticFile, type StaticRequest, type StaticResponse, type StaticSiteOptions } from './static/index.ts';
export {
  buildManifest,
  loadManifest,
  validateManifest,
  ManifestError,
  type AssetDestination,
  type ManifestAsset,
  type PushManifest,
} from './manifest/index.ts';
export { RouteTable, type RouteMatch } from './routes/route-table.ts';
export { parseRoutePattern, RoutePatternError, type RoutePatternErrorCode } from './routes/route-pattern.ts';
export { DiscoveredPages, type DiscoveredPagesOptions } from './discovery/discovered-pages.ts';
export type { DiscoveryOptions } from './discovery/discovery-options.ts';
export { headReferences, type HeadReference } from './discovery/head-references.ts';
export { ensureDevCertificate, spkiHash, type DevCertificate } from './tls/index.ts';
export { isUnsafeEarlyData, TOO_EARLY_STATUS } from './core/too-early.ts';
export { writeStreamPieces } from './compression/write-stream-pieces.ts';
