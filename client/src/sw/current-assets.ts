/** Pages remembered; the least recently visited is forgotten beyond it. */
const MAX_PAGES = 64;
/** Asset URLs kept per page. */
const MAX_ASSETS_PER_PAGE = 512;

/**
 * The assets of the site's current pages, as the server last listed them in
 * a push stream's `push-stream-assets` header (docs/push-stream.md), per
 * page (its path, page-key.ts): a new list replaces the page's old one, so the URLs of a
 * previous deploy drop out. When a navigation's digest must leave entries
 * out to fit its budget, these are kept first. In memory only: a restarted
 * worker relearns them on its next navigations.
 */
export class CurrentAssets {
  private readonly pageAssets = new Map<string, Set<string>>();
  private readonly counts = new Map<string, number>();

  /**
   * Records a page's asset list (`page`: its key, page-key.ts) from a `push-stream-assets` value; `resolve`
   * turns each path into an absolute same-origin URL or rejects it (undefined).
   */
  record(page: string, header: string | null, resolve: (path: string) => string | undefined): void {
    if (header === null) return;
    const urls = new Set<string>();
    for (const path of header.split(',')) {
      if (urls.size >= MAX_ASSETS_PER_PAGE) break;
      const url = resolve(path.trim());
      if (url !== undefined) urls.add(url);
    }
    this.forget(page);
    this.pageAssets.set(page, urls);
    for (const url of urls) this.counts.set(url, (this.counts.get(url) ?? 0) + 1);
    if (this.pageAssets.size > MAX_PAGES) this.forget(this.pageAssets.keys().next().value!);
  }

  /** True when some current page lists `url`. */
  has(url: string): boolean {
    return this.counts.has(url);
  }

  private forget(pageUrl: string): void {
    const urls = this.pageAssets.get(pageUrl);
    if (!urls) return;
    this.pageAssets.delete(pageUrl);
    for (const url of urls) {
      const count = this.counts.get(url)! - 1;
      if (count === 0) this.counts.delete(url);
      else this.counts.set(url, count);
    }
  }
}
