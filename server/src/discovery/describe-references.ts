import type { AssetReader } from '../adapters/asset-reader.ts';
import type { PageAsset } from '../core/types.ts';
import type { HeadReference } from './head-references.ts';

const ETAG = /^(W\/)?"[\u0021\u0023-\u007e\u0080-\u00ff]*"$/;

/**
 * The push-manifest entries of discovered references, from what the asset
 * reader serves for each (content type, length, ETag): a reference it
 * cannot serve, or serves without a usable ETag, is left out (the browser
 * fetches it as usual). Order is kept.
 */
export async function describeReferences(references: readonly HeadReference[], read: AssetReader): Promise<PageAsset[]> {
  const described = await Promise.all(
    references.map(async (reference): Promise<PageAsset | undefined> => {
      const probe: PageAsset = { url: reference.url, as: reference.as, type: '', size: 0, etag: '' };
      const response = await read(probe).catch(() => null);
      if (!response) return undefined;
      const etag = response.headers['etag'] ?? '';
      const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!ETAG.test(etag) || type === '') return undefined;
      return {
        url: reference.url,
        as: reference.as,
        type,
        size: response.body.byteLength,
        etag,
        ...(reference.module ? { module: true } : {}),
        ...(reference.crossorigin ? { crossorigin: true } : {}),
      };
    }),
  );
  return described.filter((asset): asset is PageAsset => asset !== undefined);
}
