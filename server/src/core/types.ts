/** Delivery modes a server can be configured with; `auto` picks one per request. */
export type DeliveryMode = 'auto' | 'push' | 'stream' | 'hints' | 'links' | 'off';

/** The delivery actually used for one request (`auto` resolved). */
export type ChosenMode = Exclude<DeliveryMode, 'auto'>;

/**
 * The `mode=` value of the `cache-digest-push` summary header. `links` is
 * reported as `hints` (its Link headers are hints, delivered by a proxy in
 * front) and `off` as `none`.
 */
export type ReportedMode = 'push' | 'stream' | 'hints' | 'none';

/** One asset a page needs: structurally a push-manifest asset (docs/push-manifest.md). */
export interface PageAsset {
  /** Same-origin absolute path. */
  url: string;
  /** `style`, `script`, `font`, `image` or `fetch`. */
  as: string;
  /** Content type. */
  type: string;
  /** Bytes, uncompressed. */
  size: number;
  /** Current ETag, quotes included. */
  etag: string;
  module?: boolean;
  crossorigin?: boolean;
}

import type { ConnectionDigests } from './connection-digests.ts';

/** What the core needs to know about a page request, whatever the HTTP API. */
export interface PageRequest {
  method: string;
  /** Request path, query included. */
  path: string;
  /** `:authority` (HTTP/2) or `Host` (HTTP/1.1). */
  authority: string;
  /** `https` or `http`. */
  scheme: string;
  /** Request headers, names lower-case. */
  headers: Record<string, string | string[] | undefined>;
  /** HTTP/2 and the client's SETTINGS allow push (`session.remoteSettings.enablePush`). */
  pushEnabled: boolean;
  /** The request came over HTTP/2 (103 Early Hints are only sent there). */
  http2: boolean;
  /** The digests this request's connection holds for its origin: read in push mode with `pushDigestScope: 'connection'`. */
  connectionDigests?: ConnectionDigests;
}

/** Whether the client holds an asset, according to its digests. */
export type AssetState =
  /** A fresh digest holds the URL (or URL + current ETag): send nothing. */
  | 'fresh'
  /** Only a stale validators digest holds URL + current ETag: a 304 part is enough. */
  | 'stale-current'
  /** Anything else: the client needs the asset. */
  | 'missing';

/** The core's decision for one request. */
export interface DeliveryPlan {
  /** The delivery to use. */
  mode: ChosenMode;
  /** Entries in the digests used (0 without a usable digest). */
  digestEntries: number;
  /** `none` (no header), `valid`, or `invalid` (malformed: treated as no digest). */
  digestStatus: 'none' | 'valid' | 'invalid';
  /** Why the digest was refused, for the log. */
  digestError?: string;
  /** log2(P) of the digests used (the smallest), and the `Cache-Digest` value's length: the summary's trailing fields. */
  digestRisk?: { pBits: number; length: number };
  /** The page's assets in delivery order with the client's state of each. */
  assets: { asset: PageAsset; state: AssetState }[];
}
