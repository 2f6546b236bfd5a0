import { fileURLToPath } from 'node:url';
import type { CacheDigestWorkerOptions } from '../sw/options.ts';
import type { ClientFiles } from '../scripts/client-files.ts';
import { bundleScript } from './bundle-script.ts';
import { dropEmptyClassFields } from './drop-empty-class-fields.ts';
import { dropErrorMessages } from './drop-error-messages.ts';
import { WORKER_INTERNAL_PROPERTY_PATTERN } from './worker-internal-properties.ts';

export type { ClientFiles };

// The entries next to this module: TypeScript in the repository, the compiled
// JavaScript in the published package (which bundles from dist/).
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const SOURCE = {
  loader: fileURLToPath(new URL(`../loader/loader${extension}`, import.meta.url)),
  worker: fileURLToPath(new URL(`../sw/worker${extension}`, import.meta.url)),
};

/**
 * Bundles the loader and the Service Worker with Vite's build API (one
 * classic script each, minified), with `options` built into the worker. The
 * package ships both prebuilt with default options (see `readClientScripts`
 * in `@cache-digest/client/scripts`); this is for other options.
 */
export async function bundleClientFiles(options: CacheDigestWorkerOptions = {}): Promise<ClientFiles> {
  const [loader, worker] = await Promise.all([bundle(SOURCE.loader, {}), bundle(SOURCE.worker, options, WORKER_INTERNAL_PROPERTY_PATTERN)]);
  return { loader, worker };
}

// Neither script runs in Node: the codecs' Node fast paths (zlib's CRC-32, Buffer's base64url) drop out.
const BROWSER_ONLY = { 'globalThis.process': 'undefined', 'globalThis.Buffer': 'undefined' };

function bundle(entry: string, workerOptions: CacheDigestWorkerOptions, mangleProps?: RegExp): Promise<string> {
  // The worker's codec errors keep their codes, not their English messages, its classes lose their
  // empty field declarations, and its internal property names are shortened (a smaller download).
  return bundleScript(entry, {
    define: { __CACHE_DIGEST_WORKER_OPTIONS__: JSON.stringify(workerOptions), ...BROWSER_ONLY },
    plugins: [dropErrorMessages(), dropEmptyClassFields()],
    ...(mangleProps ? { mangleProps } : {}),
  });
}
