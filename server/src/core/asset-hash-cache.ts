import type { Hash64, KeyHasher } from '@cache-digest/shared';

/** The two keys a digest can hold for one asset. */
export interface AssetHashes {
  /** Hash of the absolute URL (fresh/stale digests without validators). */
  url: Hash64;
  /** Hash of the absolute URL followed by the ETag (validators digests). */
  withEtag: Hash64;
}

/**
 * Remembers the hashes of a page's digest keys per origin, so a page request
 * hashes nothing once warm. Bounded on both axes because the origin
 * (`:authority`) is chosen by the client: the oldest origins and pages are
 * dropped first.
 */
export class AssetHashCache {
  // Keyed by the page's asset list itself: the core keeps one array per page.
  private readonly origins = new Map<string, Map<readonly object[], AssetHashes[]>>();
  private readonly hash: KeyHasher;
  private readonly maxOrigins: number;
  private readonly maxPagesPerOrigin: number;

  constructor(options: { hash: KeyHasher; maxOrigins?: number; maxPagesPerOrigin?: number }) {
    this.hash = options.hash;
    this.maxOrigins = options.maxOrigins ?? 16;
    this.maxPagesPerOrigin = options.maxPagesPerOrigin ?? 1024;
  }

  /** Hashes of every asset of a page for an origin, in the assets' order (cached per origin and asset list). */
  forPage(origin: string, assets: readonly { url: string; etag: string }[]): AssetHashes[] {
    let pages = this.origins.get(origin);
    if (!pages) {
      pages = new Map();
      this.origins.set(origin, pages);
      if (this.origins.size > this.maxOrigins) this.origins.delete(this.origins.keys().next().value!);
    }
    let hashes = pages.get(assets);
    if (!hashes) {
      hashes = assets.map((asset) => {
        const absolute = origin + asset.url;
        return { url: this.hash(absolute), withEtag: this.hash(absolute + asset.etag) };
      });
      pages.set(assets, hashes);
      if (pages.size > this.maxPagesPerOrigin) pages.delete(pages.keys().next().value!);
    }
    return hashes;
  }
}
