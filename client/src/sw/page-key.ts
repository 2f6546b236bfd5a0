/**
 * The key a page's asset list (`push-stream-assets`) is kept under, for
 * ranking entries under the digest budget (current-assets.ts) and for
 * retiring superseded ones (prune-listed.ts): the URL's path. The server
 * chooses a page's assets by path (manifest pages and routes, discovery),
 * never by query, so every query of a path gets the same list; keyed by
 * the whole URL, query variants (search terms, tracking parameters) would
 * fill the bounded page records with copies of one list, and an entry listed
 * by a variant never visited again would never be retired.
 */
export function pageKey(url: string): string {
  return new URL(url).pathname;
}
