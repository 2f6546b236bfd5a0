import { fileURLToPath } from 'node:url';
import type { CacheDigestWorkerOptions } from '../sw/options.ts';
import { bundleScript } from './bundle-script.ts';

/** The two files a site serves: the loader and the Service Worker, as JavaScript text. */
export interface ClientFiles {
  /** `/cache-digest.js`: the one-tag loader. */
  loader: string;
  /** `/cache-digest-sw.js`: the Service Worker, with its options built in. */
  worker: string;
}

const SOURCE = {
  loader: fileURLToPath(new URL('../loader/loader.ts', import.meta.url)),
  worker: fileURLToPath(new URL('../sw/worker.ts', import.meta.url)),
};

/**
 * Bundles the loader and the Service Worker from their TypeScript sources
 * with Vite's build API (one classic script each, minified), so neither
 * needs a separate build step before the plugin or the server uses them.
 */
export async function bundleClientFiles(options: CacheDigestWorkerOptions = {}): Promise<ClientFiles> {
  const [loader, worker] = await Promise.all([bundle(SOURCE.loader, {}), bundle(SOURCE.worker, options)]);
  return { loader, worker };
}

function bundle(entry: string, workerOptions: CacheDigestWorkerOptions): Promise<string> {
  return bundleScript(entry, { define: { __CACHE_DIGEST_WORKER_OPTIONS__: JSON.stringify(workerOptions) } });
}
