import type { RenderCheckResult } from './render-check.ts';

/** What one measured page visit produced (see e2e/README.md for each field). */
export interface VisitMeasurement {
  /** Navigation start to the load event, ms. */
  loadMs: number;
  /** Navigation start to the first byte of the page, ms. */
  ttfbMs: number;
  /**
   * The navigation's connection setup (TCP + TLS), fetchStart to requestStart of its Navigation
   * Timing, ms (Chromium, bench:e2e); 0 when a Service Worker fetched the page.
   */
  connectMs?: number;
  /** When the page's assets finished arriving, ms after navigation start (Chromium; the deploy-js waterfall). */
  waterfall?: Array<{ path: string; endMs: number; source: string }>;
  /** Bytes through the emulator, client to server and server to client (TLS included). */
  bytesUp: number;
  bytesDown: number;
  /** TCP connections opened. */
  connections: number;
  /** HTTP requests that crossed the network (the page's and its worker's; not cache hits). */
  networkRequests: number;
  /** Asset bodies that crossed the network: requested, streamed or pushed (URL paths). */
  deliveredAssets: string[];
  /** Of those, the ones that arrived inside the push stream or as HTTP/2 pushes. */
  pushedAssets: string[];
  /** Sum of the delivered assets' sizes. */
  deliveredBytes: number;
  /** Delivered assets the client already held before the visit (same URL, so same content), and their bytes. */
  redundantAssets: string[];
  redundantBytes: number;
  /** The page and all its assets, bytes: the whole page's weight. */
  pageBytes: number;
  /** The page's `cache-digest-push` summary header. */
  summary: string | null;
  /** Whether the page rendered correctly (Chromium only). */
  render: RenderCheckResult | null;
}
