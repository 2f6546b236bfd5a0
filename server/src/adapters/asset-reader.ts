import type { StaticFile, StaticSite } from '../static/index.ts';
import type { PageAsset } from '../core/types.ts';

/** An asset's complete response, as pushed or streamed: identity encoding, status 200. */
export interface AssetResponse {
  /** Lower-case names; at least content-type, content-length, etag and cache-control. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Reads an asset for delivery; null when it cannot be served (it is then left to the client to fetch). */
export type AssetReader = (asset: PageAsset) => Promise<AssetResponse | null>;

/**
 * An {@link AssetReader} over a {@link StaticSite}: the live file's bytes,
 * ETag and Cache-Control. The response of a file version is built once and
 * shared: its headers must not be changed.
 */
export function staticSiteAssetReader(site: StaticSite): AssetReader {
  // Per described file (a new description is a new object): its bytes and the response built on them.
  const built = new WeakMap<StaticFile, AssetResponse>();
  return async (asset) => {
    const file = await site.resolve(asset.url);
    if (!file) return null;
    try {
      const body = await site.read(file);
      const known = built.get(file);
      if (known && known.body === body) return known;
      const response: AssetResponse = {
        headers: {
          'content-type': file.contentType,
          'content-length': String(body.byteLength),
          etag: file.etag,
          'cache-control': file.cacheControl,
          'last-modified': file.mtime.toUTCString(),
        },
        body,
      };
      built.set(file, response);
      return response;
    } catch {
      return null;
    }
  };
}
