/** Options of per-response discovery (the middleware's and the fetch handler's `discover`), docs/discovery.md. */
export interface DiscoveryOptions {
  /** Pages remembered (default 1,000; least recently used out first). */
  maxPages?: number;
  /** Bytes of each HTML response read (default 64 KiB): the head and the start of the body. */
  maxHeadBytes?: number;
  /** Assets remembered per page (default 64). */
  maxAssetsPerPage?: number;
  /** A remembered page is read again after this long (default 60 s); that one response goes without delivery. */
  refreshMs?: number;
}
