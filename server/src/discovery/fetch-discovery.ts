import { pagePath } from '../core/page-path.ts';
import type { PageAsset } from '../core/types.ts';
import type { AssetSource } from '../fetch/asset-source.ts';
import { describeFromSource } from './describe-from-source.ts';
import { DiscoveredPages } from './discovered-pages.ts';
import type { DiscoveryOptions } from './discovery-options.ts';
import { headReferences } from './head-references.ts';
import { tapHtmlHead } from './tap-html-head.ts';

/** What {@link FetchDiscovery.lookup} found: a remembered page's assets, or the key to learn the page under. */
export type DiscoveryLookup = { assets: readonly PageAsset[] } | { learn: string } | undefined;

/**
 * Per-response discovery for Web Fetch API handlers (docs/discovery.md):
 * looks up what a path's page needed, and taps the HTML of pages not known
 * yet (or due for a refresh) to learn it once the body completes.
 */
export class FetchDiscovery {
  private readonly pages: DiscoveredPages;

  constructor(
    private readonly options: DiscoveryOptions,
    private readonly source: AssetSource,
    private readonly maxAssetBytes: number,
  ) {
    this.pages = new DiscoveredPages(options);
  }

  /** For a GET or HEAD no manifest page names: the remembered assets, or `learn` (a GET asking for HTML), or nothing. */
  lookup(request: Request): DiscoveryLookup {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const key = pagePath(new URL(request.url).pathname);
    const learnedAt = this.pages.learnedAt(key);
    if (learnedAt !== undefined && Date.now() - learnedAt < (this.options.refreshMs ?? 60_000)) return { assets: this.pages.get(key)! };
    if (request.method === 'GET' && /text\/html|\*\/\*/.test(request.headers.get('accept') ?? '*/*')) return { learn: key };
    const assets = this.pages.get(key);
    return assets ? { assets } : undefined;
  }

  /** The response, its body tapped: once read to its end, the page's head teaches what `key` needs. */
  tap(response: Response, key: string, origin: string): Response {
    return tapHtmlHead(response, this.options.maxHeadBytes ?? 64 * 1024, (html) => {
      const references = headReferences(html, key, this.options.maxAssetsPerPage ?? 64);
      describeFromSource(references, this.source, origin, this.maxAssetBytes).then(
        (assets) => this.pages.set(key, assets),
        () => undefined,
      );
    });
  }
}
