import type { PageAsset } from '../core/types.ts';

/** Options of {@link DiscoveredPages}. */
export interface DiscoveredPagesOptions {
  /** Pages remembered (default 1,000); the least recently used goes first. */
  maxPages?: number;
}

/**
 * What each page of an app without a manifest needed, learned from the
 * head of its last complete HTML response: a bounded LRU keyed by page path.
 * Each entry is one array the core keeps hashes for, like a manifest page.
 */
export class DiscoveredPages {
  private readonly pages = new Map<string, { assets: readonly PageAsset[]; learnedAt: number }>();
  private readonly maxPages: number;

  constructor(options: DiscoveredPagesOptions = {}) {
    this.maxPages = Math.max(1, options.maxPages ?? 1_000);
  }

  /** The assets remembered for a page, marking it recently used. */
  get(path: string): readonly PageAsset[] | undefined {
    const entry = this.pages.get(path);
    if (entry) {
      this.pages.delete(path);
      this.pages.set(path, entry);
    }
    return entry?.assets;
  }

  /** When the page's assets were last learned (ms, as given to `set`), or undefined. */
  learnedAt(path: string): number | undefined {
    return this.pages.get(path)?.learnedAt;
  }

  /** Remembers a page's assets; an unchanged list keeps its array (and the core's cached hashes). */
  set(path: string, assets: readonly PageAsset[], now = Date.now()): void {
    const previous = this.pages.get(path)?.assets;
    this.pages.delete(path);
    this.pages.set(path, { assets: previous && sameAssets(previous, assets) ? previous : assets, learnedAt: now });
    while (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value!);
  }

  /** Pages remembered now. */
  get size(): number {
    return this.pages.size;
  }
}

function sameAssets(a: readonly PageAsset[], b: readonly PageAsset[]): boolean {
  return a.length === b.length && a.every((asset, i) => asset.url === b[i]!.url && asset.etag === b[i]!.etag && asset.size === b[i]!.size);
}
