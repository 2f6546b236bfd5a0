// @cache-digest/client/vite: the Vite plugin and the build helpers (Node only).
export { cacheDigest, type CacheDigestPluginOptions } from './cache-digest-plugin.ts';
export { buildClientFiles } from './build-client-files.ts';
export { bundleClientFiles, type ClientFiles } from './bundle-client-files.ts';
export { pushManifestFromBundle, type PushManifestFromBundleOptions } from './push-manifest-from-bundle.ts';
export type { ManifestAsset, PushManifest } from '@cache-digest/shared';
export { LOADER_PATH, WORKER_PATH } from '../paths.ts';
export type { CacheDigestWorkerOptions } from '../sw/options.ts';
