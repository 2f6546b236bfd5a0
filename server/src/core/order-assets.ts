import type { PageAsset } from './types.ts';

const PRIORITY: Record<string, number> = { style: 0, script: 1, font: 2, image: 3, fetch: 4 };

/**
 * The page's assets in delivery order: render-blocking CSS first, then
 * scripts (classic before modules, which are deferred), then fonts, images
 * and the rest. The sort is stable, so the manifest's dependency order
 * within a kind is kept.
 */
export function orderAssets(assets: readonly PageAsset[]): PageAsset[] {
  const rank = (asset: PageAsset): number => {
    const base = PRIORITY[asset.as] ?? 5;
    return base * 2 + (asset.as === 'script' && asset.module ? 1 : 0);
  };
  return assets
    .map((asset, index) => ({ asset, index, rank: rank(asset) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.asset);
}
