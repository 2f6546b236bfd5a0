import type { PageAsset } from '../core/types.ts';
import type { AssetSource } from '../fetch/asset-source.ts';
import type { HeadReference } from './head-references.ts';

const ETAG = /^(W\/)?"[\u0021\u0023-\u007e\u0080-\u00ff]*"$/;

/**
 * The push-manifest entries of discovered references, from what a fetch
 * handler's asset source answers for each (a 200 with a content type and
 * an ETag; size from the identity body): anything else is left out.
 */
export async function describeFromSource(references: readonly HeadReference[], source: AssetSource, origin: string, maxAssetBytes: number): Promise<PageAsset[]> {
  const described = await Promise.all(
    references.map(async (reference): Promise<PageAsset | undefined> => {
      try {
        const response = await source(new URL(reference.url, origin));
        if (!response) return undefined;
        const etag = response.headers.get('etag') ?? '';
        const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
        const coded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
        const declared = Number(response.headers.get('content-length') ?? NaN);
        if (response.status !== 200 || coded || !ETAG.test(etag) || type === '' || declared > maxAssetBytes) {
          await response.body?.cancel();
          return undefined;
        }
        const size = (await response.arrayBuffer()).byteLength;
        if (size > maxAssetBytes) return undefined;
        return {
          url: reference.url,
          as: reference.as,
          type,
          size,
          etag,
          ...(reference.module ? { module: true } : {}),
          ...(reference.crossorigin ? { crossorigin: true } : {}),
        };
      } catch {
        return undefined;
      }
    }),
  );
  return described.filter((asset): asset is PageAsset => asset !== undefined);
}
