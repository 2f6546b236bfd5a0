/**
 * The Server-Timing metric through which the worker tells the page where a
 * response came from (`cache-digest-source;desc=<source>`). Pages read it
 * from `PerformanceResourceTiming.serverTiming`, the one trace of a
 * worker-served response that every engine exposes: Firefox and WebKit
 * report `workerStart` 0 and `transferSize` 0 for them, like an HTTP cache hit.
 */
export const SOURCE_TIMING_METRIC = 'cache-digest-source';

/** Where the worker took a response from: its cache, or a push stream part. */
export type WorkerSource = 'cache' | 'stream';
