import type { PageAsset } from './types.ts';

/**
 * A `Link` header value that preloads one asset: `rel=preload; as=...`,
 * `rel=modulepreload` for ES modules, `crossorigin` for fonts and modules
 * (they are fetched in CORS mode; a preload without it is not reused).
 * `forProxy` writes modules as `rel=preload; as=script; crossorigin`, which
 * a pushing proxy such as H2O understands, and `nopush` marks an asset the
 * client already holds so that the proxy leaves it alone.
 */
export function preloadLink(asset: PageAsset, options: { nopush?: boolean; forProxy?: boolean } = {}): string {
  const target = `<${asset.url}>`;
  let link: string;
  if (asset.module && asset.as === 'script' && !options.forProxy) link = `${target}; rel=modulepreload`;
  else {
    link = `${target}; rel=preload; as=${asset.as}`;
    if (asset.crossorigin || asset.as === 'font' || asset.module) link += '; crossorigin';
  }
  if (options.nopush) link += '; nopush';
  return link;
}
