/**
 * Property names the Service Worker bundle's minifier may shorten (rolldown's
 * `mangleProps`): members and fields that only the worker's own code creates
 * and reads (class members, internal option and result objects, codec events).
 * An allow list, not a deny list, so a new name is never shortened unseen.
 *
 * Never list a name that crosses the bundle's edge: a browser API's property
 * (`scope`, `open`, `digest`, `cache`, `size`…), a field stored in IndexedDB
 * (`url`, `etag`, `urlHi`, `freshUntil`, `lastUsed`, `pages`, `cacheName`,
 * `format`…), a worker option (`maxEntryBytes`…, read by name from the options
 * built in), a push-stream HEAD or message field, or a name used as a string.
 * `worker-internal-properties.test.ts` checks those rules on the real bundle.
 */
export const WORKER_INTERNAL_PROPERTIES: readonly string[] = [
  // push-stream decoder and its events
  'phase', 'headerFill', 'payload', 'payloadFill', 'frameType', 'framePart', 'seen', 'pageSeen', 'fillHeader', 'startFrame', 'finishFrame',
  'openParts', 'part', 'parts', 'received', 'crc', 'contentLength', 'deltaBase',
  // the stream receiver's sink and parts
  'resolveUrl', 'onAsset', 'onNotModified', 'onVoid', 'onClose', 'chunks', 'dropped', 'isPage', 'idleTimeoutMs', 'page',
  // navigation intake, part waiters, current assets, page activity
  'intake', 'activity', 'currentAssets', 'waiters', 'announceAll', 'announce', 'settle', 'owner', 'promise', 'counts', 'record', 'assets',
  'preloadUnusableListeners', 'onPreloadUnusable', 'pruning', 'afterStream', 'pageQuiet', 'pageSettled', 'resolvePath', 'note', 'last', 'quiet',
  // cache routes and the page's wait for its routed parts
  'routes', 'patterns', 'paths', 'covers', 'addTo', 'beforeDelete',
  // subresource cache strategy and freshness
  'options', 'index', 'handle', 'fromNetwork', 'storeNetworkResponse', 'revalidate', 'refresh', 'forget', 'evict', 'entryOf', 'warm',
  'deleteOldCaches', 'handleFetch', 'requestTime', 'responseTime', 'receivedAt', 'storable', 'policy',
  // persistent digest index, its store and pruning
  'memory', 'store', 'touched', 'listeners', 'loading', 'flushTimer', 'flushTouched', 'onChange', 'onIndexChange', 'changed', 'rebuild',
  'evictionCandidates', 'totalBytes', 'indexName', 'cacheNames', 'deleteStrays', 'afterRebuild', 'retire', 'retired',
  // digest building and encoding
  'minPBits', 'maxPBits', 'maxChars', 'isCurrent', 'marginMs', 'budget', 'changesAt', 'fresh', 'stale', 'whole', 'entry', 'header',
  'validators', 'extraFlags', 'reset', 'complete', 'position', 'unary', 'hi', 'lo', 'count', 'overhead',
  // navigation preload publisher
  'manager', 'current', 'published', 'publish', 'publishNow', 'lastRun', 'intervalMs', 'expiryTimer', 'queue', 'timer', 'schedule',
  // the worker's own entry points and index calls, reached only from its code
  'release', 'wait', 'touch', 'ready', 'load', 'stats', 'handles', 'subresource', 'finished', 'ignored',
  // private fields renamed from names a browser API also uses
  'byUrl', 'pageAssets', 'entryMap', 'bodyBytes', 'partStates', 'digestNow', 'routeScope', 'routeCache',
];

/** {@link WORKER_INTERNAL_PROPERTIES} as the exact-match pattern `mangleProps.include` takes. */
export const WORKER_INTERNAL_PROPERTY_PATTERN = new RegExp(`^(?:${WORKER_INTERNAL_PROPERTIES.join('|')})$`);
