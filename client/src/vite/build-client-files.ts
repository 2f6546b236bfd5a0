import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LOADER_PATH, WORKER_PATH } from '../paths.ts';
import type { CacheDigestWorkerOptions } from '../sw/options.ts';
import { bundleClientFiles } from './bundle-client-files.ts';

/**
 * Writes `cache-digest.js` (the loader) and `cache-digest-sw.js` (the
 * Service Worker) into `outDir`, for sites not built with Vite: serve them
 * at the site root and add `<script src="/cache-digest.js" async></script>`
 * to the pages. Returns the two file paths.
 */
export async function buildClientFiles(outDir: string, options: CacheDigestWorkerOptions = {}): Promise<{ loader: string; worker: string }> {
  const files = await bundleClientFiles(options);
  await mkdir(outDir, { recursive: true });
  const loader = path.join(outDir, LOADER_PATH.slice(1));
  const worker = path.join(outDir, WORKER_PATH.slice(1));
  await Promise.all([writeFile(loader, files.loader), writeFile(worker, files.worker)]);
  return { loader, worker };
}
