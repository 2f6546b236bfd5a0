/** How a measured visit comes about (see README "Visit models"). */
export type VisitModel = 'cold' | 'warm' | 'returning' | 'fresh-launch';

/** Where the browser got a subresource from. */
export type AssetSource = 'network' | 'worker' | 'http-cache';

/** The page's `cache-digest-push` summary (its first five fields; later fields are ignored). */
export interface DeliverySummary {
  mode: string;
  digest: number;
  pushed: number;
  skipped: number;
  bytes: number;
}

/** A count and a byte sum. */
export interface CountAndBytes {
  count: number;
  bytes: number;
}

/** One same-origin subresource of the visit. */
export interface AssetRecord {
  /** URL path and query. */
  path: string;
  source: AssetSource;
  /** Encoded (compressed) body bytes that crossed the network for it (0 from the worker or the HTTP cache). */
  networkBytes: number;
  /** When its last byte arrived, ms after navigation start (a waterfall's end). */
  endMs: number;
}

/** One measured page visit, as a plain object. */
export interface VisitMetrics {
  url: string;
  model: VisitModel;
  rttMs: number;
  bandwidthBytesPerSecond: number | null;
  /** Navigation start to the load event, ms. */
  loadMs: number;
  /** Navigation start to the first byte of the page, ms. */
  ttfbMs: number;
  /** loadMs - ttfbMs. */
  afterFirstByteMs: number;
  /**
   * Extra round trips after the first byte over the RTT-0 floor:
   * (loadMs - ttfbMs - floor) / rttMs, floor being the same visit's time
   * after first byte at RTT 0. Null until a floor is known (see withFloor).
   */
  extraRoundTrips: number | null;
  /** Bytes through the emulator each way (TLS included) and TCP connections opened. */
  bytesUp: number;
  bytesDown: number;
  connections: number;
  /** Same-origin subresources by where they came from. */
  assets: Record<AssetSource, CountAndBytes>;
  /**
   * Asset body bytes that crossed the network: those fetched from the
   * network plus those the server pushed or streamed with the page (its summary's bytes).
   */
  assetBytesFromNetwork: number;
  /** The server's summary of the page response, when it sent one. */
  summary: DeliverySummary | null;
  resources: AssetRecord[];
}
