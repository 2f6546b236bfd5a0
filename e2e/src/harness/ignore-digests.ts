import { CacheDigestCore } from '@cache-digest/server';

const PRELOAD_HEADER = 'service-worker-navigation-preload';

let ignoring = false;
let installed = false;

/**
 * Make the servers of this process plan every page as if its request carried
 * no digest (the stream-all strategy: the worker and the push
 * stream, but nothing known about the client's cache). Done by wrapping
 * CacheDigestCore.prototype.plan once; visits run one at a time, so a switch
 * for the whole process is enough.
 */
export function setDigestsIgnored(ignore: boolean): void {
  ignoring = ignore;
  if (installed) return;
  installed = true;
  const original = CacheDigestCore.prototype.plan;
  CacheDigestCore.prototype.plan = function plan(this: CacheDigestCore, request, assets) {
    if (!ignoring) return original.call(this, request, assets);
    const { 'cache-digest': _ignored, ...headers } = request.headers;
    // The worker may also send its digest inside navigation preload's header, last:
    // `accept-push-stream=1; cache-digest=<value>`.
    const preload = headers[PRELOAD_HEADER];
    if (typeof preload === 'string') headers[PRELOAD_HEADER] = preload.replace(/;?\s*cache-digest=[\s\S]*$/, '');
    return original.call(this, { ...request, headers }, assets);
  };
}
