import type { StaticSite } from '../static/index.ts';
import type { PageAsset } from '../core/types.ts';

/** An asset's complete response, as pushed or streamed: identity encoding, status 200. */
export interface AssetResponse {
  /** Lower-case names; at least content-type, content-length, etag and cache-control. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Reads an asset for delivery; null when it cannot be served (it is then left to the client to fetch). */
export type AssetReader = (asset: PageAsset) => Promise<AssetResponse | null>;

/** An {@link AssetReader} over a {@link StaticSite}: the live file's bytes, ETag and Cache-Control. */
export function staticSiteAssetReader(site: StaticSite): AssetReader {
  return async (asset) => {
    const file = await site.resolve(asset.url);
    if (!file) return null;
    try {
      const body = await site.read(file);
      return {
        headers: {
          'content-type': file.contentType,
          'content-length': String(body.byteLength),
          etag: file.etag,
          'cache-control': file.cacheControl,
          'last-modified': file.mtime.toUTCString(),
        },
        body,
      };
    } catch {
      return null;
    }
  };
}
