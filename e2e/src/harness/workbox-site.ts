import { createHash } from 'node:crypto';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import type { generateSW as GenerateSW } from 'workbox-build';
import { cachedBuild } from './build-cache.ts';
import { listBuiltFiles, type BuiltSite } from './build-demo-site.ts';
import { WORKER_SCRIPT } from './measure-visit.ts';

/**
 * What vite-plugin-pwa hands to workbox-build's `generateSW` for a site
 * built with `registerType: 'autoUpdate'` (skipWaiting + clientsClaim),
 * its defaults kept (cleanupOutdatedCaches, `assets/` URLs not cache-busted
 * since Vite puts the hash in the name, production mode, no Google
 * Analytics, no source map), and the two settings such a site changes:
 * `globPatterns` widened to images and fonts (the demo's photos and fonts
 * are part of the page), and navigations network-first instead of the
 * precached `index.html` fallback, so a deploy's page is always the new one.
 * The worker goes where the page's loader registers one (`/cache-digest-sw.js`),
 * replacing the kit's; the pages, the kit's loader manifest and the kit's
 * worker are left out of the precache.
 */
function generateSwOptions(dir: string): Parameters<typeof GenerateSW>[0] {
  return {
    swDest: path.join(dir, WORKER_SCRIPT.slice(1)),
    globDirectory: dir,
    globPatterns: ['**/*.{js,css,png,svg,ttf,woff2,ico,webp,jpg}'],
    globIgnores: ['**/*.html', 'push-manifest.json'],
    offlineGoogleAnalytics: false,
    cleanupOutdatedCaches: true,
    dontCacheBustURLsMatching: /^assets\//,
    mode: 'production',
    sourcemap: false,
    skipWaiting: true,
    clientsClaim: true,
    navigateFallback: null,
    runtimeCaching: [{ urlPattern: ({ request }) => request.mode === 'navigate', handler: 'NetworkFirst', options: { cacheName: 'pages' } }],
  };
}

/**
 * A copy of a built demo whose `/cache-digest-sw.js` (the path the page's
 * loader registers) is a Workbox worker made by workbox-build's
 * `generateSW` the way vite-plugin-pwa makes one (precache manifest of this
 * build's assets, workbox runtime in a `workbox-<hash>.js` beside it): the
 * "workbox" strategy, what users pick instead of the kit.
 */
export async function workboxSite(site: BuiltSite, outDir: string): Promise<BuiltSite> {
  // Keyed by the build's content: the same build always gets the same worker.
  const content = createHash('sha256');
  for (const [urlPath, file] of [...site.files].sort(([a], [b]) => (a < b ? -1 : 1))) content.update(`${urlPath} ${file.etag}\n`);
  const dir = await cachedBuild(`workbox ${content.digest('hex')}`, outDir, async (scratch) => {
    await cp(site.dir, scratch, { recursive: true });
    // Loaded on first use: workbox-build brings Babel, Rollup and Terser, seconds of start-up a cached run skips.
    const { generateSW } = await import('workbox-build');
    const { count, warnings } = await generateSW(generateSwOptions(scratch));
    if (count === 0) throw new Error('generateSW precached nothing');
    if (warnings.length > 0) throw new Error(`generateSW: ${warnings.join('; ')}`);
  });
  return { dir, files: await listBuiltFiles(dir) };
}
