import type { StaticSite } from '../static/index.ts';
import { memoryScript, type MemoryScript } from './memory-script.ts';

/**
 * The client's two scripts (`/cache-digest.js`, the loader, and
 * `/cache-digest-sw.js`, the Service Worker) that `site` does not contain,
 * bundled once from the client's sources (about 250 ms) and held in memory,
 * by path. Empty, and nothing is bundled, when the site has both.
 */
export async function missingClientScripts(site: StaticSite): Promise<Map<string, MemoryScript>> {
  // Loaded on demand: Vite is only needed when a script has to be built.
  const { bundleClientFiles, LOADER_PATH, WORKER_PATH } = await import('@cache-digest/client/vite');
  const [hasLoader, hasWorker] = await Promise.all([site.resolve(LOADER_PATH), site.resolve(WORKER_PATH)]);
  const scripts = new Map<string, MemoryScript>();
  if (hasLoader && hasWorker) return scripts;
  const files = await bundleClientFiles();
  if (!hasLoader) scripts.set(LOADER_PATH, memoryScript(files.loader));
  if (!hasWorker) scripts.set(WORKER_PATH, memoryScript(files.worker));
  return scripts;
}
