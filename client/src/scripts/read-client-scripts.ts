import { readFile } from 'node:fs/promises';
import type { ClientFiles } from './client-files.ts';

let fromSources: Promise<ClientFiles> | undefined;

/**
 * The loader and the Service Worker (default options) as this package ships
 * them: prebuilt, minified files (`cache-digest.js`, `cache-digest-sw.js`),
 * read from disk, so serving them needs no bundler. Run from the repository's
 * TypeScript sources (development, tests), they are bundled once per process
 * from those sources instead, so they never lag behind an edit.
 */
export function readClientScripts(): Promise<ClientFiles> {
  if (import.meta.url.endsWith('.ts')) {
    fromSources ??= import('../vite/bundle-client-files.ts').then(({ bundleClientFiles }) => bundleClientFiles());
    return fromSources;
  }
  return readPrebuilt();
}

async function readPrebuilt(): Promise<ClientFiles> {
  // This module is dist/scripts/read-client-scripts.js; the files sit in dist/.
  const [loader, worker] = await Promise.all([
    readFile(new URL('../cache-digest.js', import.meta.url), 'utf8'),
    readFile(new URL('../cache-digest-sw.js', import.meta.url), 'utf8'),
  ]);
  return { loader, worker };
}
