import type { BuiltFile } from './build-demo-site.ts';
import type { RenderCheckResult } from './render-check.ts';
import type { ServedRequest } from './served-requests.ts';
import type { VisitMeasurement } from './visit-measurement.ts';

/** Where the client's Vite plugin puts the Service Worker. */
export const WORKER_SCRIPT = '/cache-digest-sw.js';

/** Everything known about one visit once it is over. */
export interface VisitFacts {
  pagePath: string;
  loadMs: number;
  ttfbMs: number;
  /** The navigation's TCP + TLS setup as the page saw it (0 when a worker fetched the page). */
  connectMs?: number;
  traffic: { bytesUp: number; bytesDown: number; connections: number };
  /** Requests the server answered during the visit. */
  served: ServedRequest[];
  /** The servers' page-request log lines of the visit (`… | streamed: /a /b | …`). */
  pageLog: string[];
  /** Asset paths the client held before the visit. */
  heldBefore: ReadonlySet<string>;
  /** Asset paths the page used. */
  pageAssets: readonly string[];
  files: ReadonlyMap<string, BuiltFile>;
  summary: string | null;
  render: RenderCheckResult | null;
  waterfall?: VisitMeasurement['waterfall'];
}

/**
 * Turn what the server saw into the visit's figures: requests that crossed
 * the network are the ones the server answered; delivered assets are those
 * answered with a body plus those it pushed or streamed (from its log line:
 * `| pushed: …` or `| streamed: …`; hinted assets show up as requests).
 */
export function measureVisit(facts: VisitFacts): VisitMeasurement {
  const sizeOf = (assetPath: string): number => facts.files.get(assetPath)?.size ?? 0;
  const pageFile = facts.pagePath.endsWith('/') ? `${facts.pagePath}index.html` : facts.pagePath;
  const isPage = (path: string): boolean => path === facts.pagePath || path === pageFile;
  const pushedAssets: string[] = [];
  for (const line of facts.pageLog) {
    if (!/mode=(stream|push);/.test(line)) continue;
    const pushed = / \| (?:pushed|streamed): ([^|]+)/.exec(line)?.[1];
    if (pushed) pushedAssets.push(...pushed.trim().split(/\s+/));
  }
  // The worker script is fetched by the browser's update checks, not by the page: not a page asset.
  const requested = facts.served.filter(
    (request) =>
      !isPage(request.path) && request.path !== WORKER_SCRIPT && (request.status === 200 || request.status === 206) && request.bytes > 0,
  );
  const delivered = [...new Set([...pushedAssets, ...requested.map((request) => request.path)])];
  const redundant = delivered.filter((assetPath) => facts.heldBefore.has(assetPath));
  return {
    loadMs: facts.loadMs,
    ttfbMs: facts.ttfbMs,
    ...(facts.connectMs === undefined ? {} : { connectMs: facts.connectMs }),
    ...(facts.waterfall ? { waterfall: facts.waterfall } : {}),
    bytesUp: facts.traffic.bytesUp,
    bytesDown: facts.traffic.bytesDown,
    connections: facts.traffic.connections,
    networkRequests: facts.served.length,
    deliveredAssets: delivered,
    pushedAssets: [...new Set(pushedAssets)],
    deliveredBytes: delivered.reduce((sum, assetPath) => sum + sizeOf(assetPath), 0),
    redundantAssets: redundant,
    redundantBytes: redundant.reduce((sum, assetPath) => sum + sizeOf(assetPath), 0),
    pageBytes: sizeOf(pageFile) + [...new Set(facts.pageAssets)].reduce((sum, assetPath) => sum + sizeOf(assetPath), 0),
    summary: facts.summary,
    render: facts.render,
  };
}
