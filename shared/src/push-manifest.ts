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

/**
 * The push manifest: for each page path, its assets in the order a browser
 * needs them. Version 2 adds `routes`, patterns such as `/posts/:slug` and
 * `/docs/*` for pages without a fixed path (docs/push-manifest.md); a
 * version 1 manifest has no `routes`.
 */
export interface PushManifest {
  version: 1 | 2;
  pages: Record<string, ManifestAsset[]>;
  /** Version 2: route pattern -> assets, for request paths no `pages` key names; order breaks precedence ties. */
  routes?: Record<string, ManifestAsset[]>;
  /**
   * URL paths of the content-hashed files (any file, listed by a page or
   * not): a server sends exactly these with `immutable`. Absent when the
   * writer cannot tell; the server then guesses from file names.
   */
  immutable?: string[];
}

/** The newest manifest version this package reads and writes. */
export const PUSH_MANIFEST_VERSION = 2;

/** The destinations a manifest may name. */
export const ASSET_DESTINATIONS: readonly AssetDestination[] = ['style', 'script', 'font', 'image', 'fetch'];
