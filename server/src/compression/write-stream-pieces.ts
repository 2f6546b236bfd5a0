import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isSameOriginPath } from '@cache-digest/shared';
import { StreamPieceCache } from '../adapters/stream-pieces.ts';
import type { PageAsset } from '../core/types.ts';
import { encodeStreamPieces, STREAM_PIECES_SUFFIX } from './encode-stream-pieces.ts';
import { TEXT_TYPE } from './stream-piece-cache.ts';

/**
 * Build step for edge deployments (`cache-digest pieces DIR`): writes a pieces
 * file (`/app.js.pieces`, see {@link encodeStreamPieces}) next to every text
 * asset that `DIR/push-manifest.json` names, compressed with node:zlib at
 * level 9, so that the fetch handler (`prebuiltPieces: true`) compresses none
 * of them in an isolate. Files outside `dir` and missing files are skipped.
 * Resolves with the site paths of the files written.
 */
export async function writeStreamPieces(dir: string, manifestFile = path.join(dir, 'push-manifest.json')): Promise<string[]> {
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { pages?: Record<string, PageAsset[]>; routes?: Record<string, PageAsset[]> };
  const types = new Map<string, string | undefined>();
  for (const assets of [...Object.values(manifest.pages ?? {}), ...Object.values(manifest.routes ?? {})]) {
    for (const asset of assets) {
      if (!isSameOriginPath(asset.url)) continue;
      const pathname = new URL(asset.url, 'http://site').pathname;
      if (!types.has(pathname)) types.set(pathname, asset.type);
    }
  }
  const root = path.resolve(dir);
  const cache = new StreamPieceCache();
  const written: string[] = [];
  for (const [pathname, type] of types) {
    if (!TEXT_TYPE.test(type ?? '')) continue; // sent stored: an isolate only takes its CRC-32
    let file: string;
    try {
      file = path.resolve(root, '.' + decodeURIComponent(pathname));
    } catch {
      continue;
    }
    if (!file.startsWith(root + path.sep)) continue;
    let body: Uint8Array;
    try {
      body = new Uint8Array(await readFile(file));
    } catch {
      continue;
    }
    await writeFile(file + STREAM_PIECES_SUFFIX, encodeStreamPieces(await cache.pieces(pathname, { 'content-type': type! }, body)));
    written.push(pathname + STREAM_PIECES_SUFFIX);
  }
  return written;
}
