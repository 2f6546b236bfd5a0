import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import type { CacheDigestWorkerOptions } from '../sw/options.ts';

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

async function bundle(entry: string, workerOptions: CacheDigestWorkerOptions): Promise<string> {
  const result = await build({
    configFile: false,
    envFile: false,
    logLevel: 'silent',
    publicDir: false,
    plugins: [],
    define: {
      __CACHE_DIGEST_WORKER_OPTIONS__: JSON.stringify(workerOptions),
      // workbox-core's development checks are dropped.
      'process.env.NODE_ENV': JSON.stringify('production'),
    },
    build: {
      write: false,
      minify: true,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      target: 'es2022',
      lib: { entry, formats: ['iife'], name: 'cacheDigestClient', fileName: () => 'bundle.js' },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  for (const output of outputs) {
    for (const file of output.output ?? []) {
      if (file.type === 'chunk' && file.isEntry) return file.code;
    }
  }
  throw new Error(`bundling ${entry} produced no script`);
}
