import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { contentEtag } from '@cache-digest/shared';
import type { BuiltFile, BuiltSite } from './build-demo-site.ts';
import { WORKER_SCRIPT } from './measure-visit.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const MANIFEST_PLACEHOLDER = 'self.__WB_MANIFEST';

// What vite-plugin-pwa's generateSW writes with `registerType: 'autoUpdate'`
// (skipWaiting + clientsClaim), every built asset precached (globPatterns
// widened to images and fonts, as sites with them configure it), outdated
// precaches cleaned up, and navigations network-first: the page is always
// the deployed one, the assets come from the precache.
const WORKER_SOURCE = `
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
self.skipWaiting();
clientsClaim();
precacheAndRoute(${MANIFEST_PLACEHOLDER});
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(new NetworkFirst({ cacheName: 'pages' })));
`;

let bundled: Promise<string> | undefined;

/** The Workbox worker bundled once (minified, production build of Workbox), with the manifest placeholder left in. */
function workboxWorkerCode(): Promise<string> {
  bundled ??= build({
    stdin: { contents: WORKER_SOURCE, resolveDir: REPO, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'iife',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  }).then((result) => {
    const code = result.outputFiles[0]!.text;
    if (!code.includes(MANIFEST_PLACEHOLDER)) throw new Error('the Workbox worker lost its manifest placeholder');
    return code;
  });
  return bundled;
}

// Vite's `[name]-[hash].ext`: no revision needed, the URL changes with the bytes
// (generateSW's dontCacheBustURLsMatching does the same).
const HASHED = /-[\w-]{8}\.\w+$/;

/**
 * A copy of a built demo whose `/cache-digest-sw.js` (the path the page's
 * loader registers) is a Workbox worker built the way generateSW builds one,
 * with this build's precache manifest: the "workbox" strategy, what users
 * pick instead of the kit.
 */
export async function workboxSite(site: BuiltSite, outDir: string): Promise<BuiltSite> {
  await cp(site.dir, outDir, { recursive: true });
  const entries = [...site.files.entries()]
    .filter(([urlPath]) => !urlPath.endsWith('.html') && urlPath !== WORKER_SCRIPT && urlPath !== '/push-manifest.json')
    .map(([url, file]) => ({ url, revision: HASHED.test(url) ? null : file.etag }));
  const worker = (await workboxWorkerCode()).replace(MANIFEST_PLACEHOLDER, JSON.stringify(entries));
  await writeFile(path.join(outDir, WORKER_SCRIPT.slice(1)), worker);
  const files = new Map<string, BuiltFile>(site.files);
  files.set(WORKER_SCRIPT, { size: Buffer.byteLength(worker), etag: contentEtag(Buffer.from(worker)) });
  return { dir: outDir, files };
}
