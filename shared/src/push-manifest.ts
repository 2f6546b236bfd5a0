// The push manifest's types (docs/push-manifest.md): written by the client's
// Vite plugin and by `cache-digest manifest`, read by the server.

/** What an asset is fetched as (the `as` of a preload). */
export type AssetDestination = 'style' | 'script' | 'font' | 'image' | 'fetch';

/** One asset a page needs (see docs/push-manifest.md). */
export interface ManifestAsset {
  /** Absolute path (and query) on the page's own origin: `/assets/main-91bc.js`. */
  url: string;
  as: AssetDestination;
  /** Content type without parameters: `text/css`. */
  type: string;
  /** Bytes, identity encoding. */
  size: number;
  /** The ETag the server sends for it, quotes included. */
  etag: string;
  /** An ES module script (hinted as `modulepreload`). */
  module?: boolean;
  /** Fetched in CORS mode (fonts and modules). */
  crossorigin?: boolean;
}

/** Version 1 of the push manifest: for each page path, its assets in the order a browser needs them. */
export interface PushManifest {
  version: 1;
  pages: Record<string, ManifestAsset[]>;
}

/** The destinations a manifest may name. */
export const ASSET_DESTINATIONS: readonly AssetDestination[] = ['style', 'script', 'font', 'image', 'fetch'];
