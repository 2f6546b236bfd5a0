import { StaticSite } from '@cache-digest/server';

/** One request that reached the server's static files (pages and assets; pushes and stream parts excluded). */
export interface ServedRequest {
  path: string;
  status: number;
  /** Body bytes sent (content-length; 0 for 304 and HEAD). */
  bytes: number;
}

const served: ServedRequest[] = [];
let installed = false;

/**
 * Record every request the servers of this process answer from their static
 * files, by wrapping StaticSite.prototype.handle once. This is where a
 * request that crossed the network ends, whoever sent it (page, preload,
 * early hint or Service Worker); browser-side counters cannot tell an
 * early-hint preload from a cache hit.
 */
export function recordServedRequests(): void {
  if (installed) return;
  installed = true;
  const original = StaticSite.prototype.handle;
  StaticSite.prototype.handle = async function handle(this: StaticSite, request) {
    const response = await original.call(this, request);
    const length = Number(response.headers['content-length'] ?? 0);
    served.push({
      // Without the query: Workbox's precache asks for unhashed files with `?__WB_REVISION__=…`.
      path: request.path.split('?', 1)[0]!,
      status: response.status,
      bytes: request.method === 'HEAD' || response.status === 304 ? 0 : Number.isFinite(length) ? length : 0,
    });
    return response;
  };
}

/** The requests recorded since the last call. */
export function takeServedRequests(): ServedRequest[] {
  return served.splice(0);
}
