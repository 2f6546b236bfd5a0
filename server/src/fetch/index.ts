// @cache-digest/server/fetch: digest-driven delivery for Web Fetch API runtimes
// (Cloudflare Workers/workerd, Deno, Bun, Node). Nothing here imports a Node-only module.
export { createFetchHandler, type FetchHandler, type FetchHandlerOptions } from './create-fetch-handler.ts';
export { FetchDelivery, type FetchDeliveryOptions, type PageProducer } from './fetch-delivery.ts';
export { SourceError, type AssetSource, type SourceResult } from './asset-source.ts';
export { memorySite, type MemoryFile } from './memory-site.ts';
export { staticCacheControl } from './static-cache-control.ts';
export { originSource, type OriginSourceOptions } from './origin-source.ts';
export { pushStreamBody, type PushStreamBodyOptions, type FetchDeltaLookup, type FetchDeltaPart } from './push-stream-body.ts';
export { StreamPieceCache, type StreamPiece, type PieceDeflate } from '../compression/stream-piece-cache.ts';
export { webDeflate } from '../compression/web-deflate.ts';
export { encodeStreamPieces, STREAM_PIECES_SUFFIX } from '../compression/encode-stream-pieces.ts';
export { decodeStreamPieces } from '../compression/decode-stream-pieces.ts';
export { syncFlushed } from '../compression/sync-flushed.ts';
export { CacheDigestCore, type CacheDigestCoreOptions } from '../core/cache-digest-core.ts';
export { DeliveryStats } from '../core/delivery-stats.ts';
export { pageHeaderWrites, earlyHintLinks, pushStreamHeaders, summaryServerTiming, type HeaderWrite } from '../core/page-header-writes.ts';
export { SUMMARY_HEADER, parseSummaryHeader, formatSummaryHeader } from '../core/summary-header.ts';
export type { DeliveryMode, PageAsset } from '../core/types.ts';
export type { DiscoveryOptions } from '../discovery/discovery-options.ts';
export { RouteTable, type RouteMatch } from '../routes/route-table.ts';
export { parseRoutePattern, RoutePatternError, type RoutePatternErrorCode } from '../routes/route-pattern.ts';
export { FetchDiscovery, type DiscoveryLookup } from '../discovery/fetch-discovery.ts';
