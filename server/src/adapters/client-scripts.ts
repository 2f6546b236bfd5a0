import { LOADER_PATH, readClientScripts, WORKER_PATH } from '@cache-digest/client/scripts';
import type { StaticSite } from '../static/index.ts';
import { memoryScript, type MemoryScript } from './memory-script.ts';

/**
 * The client's two scripts (`/cache-digest.js`, the loader, and
 * `/cache-digest-sw.js`, the Service Worker) that `site` does not contain,
 * held in memory, by path: the files `@cache-digest/client` ships prebuilt
 * (no bundler runs). Empty, and nothing is read, when the site has both.
 */
export async function missingClientScripts(site: StaticSite): Promise<Map<string, MemoryScript>> {
  const [hasLoader, hasWorker] = await Promise.all([site.resolve(LOADER_PATH), site.resolve(WORKER_PATH)]);
  const scripts = new Map<string, MemoryScript>();
  if (hasLoader && hasWorker) return scripts;
  const files = await readClientScripts();
  if (!hasLoader) scripts.set(LOADER_PATH, memoryScript(files.loader));
  if (!hasWorker) scripts.set(WORKER_PATH, memoryScript(files.worker));
  return scripts;
}
