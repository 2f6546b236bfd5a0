// The push manifest: its types, loading with validation, and building one from a static folder.
export type { AssetDestination, ManifestAsset, PushManifest } from './types.ts';
export { ASSET_DESTINATIONS } from './types.ts';
export { ManifestError, type ManifestErrorCode } from './manifest-error.ts';
export { validateManifest, MAX_ASSETS_PER_PAGE, MAX_MANIFEST_PAGES, MAX_MANIFEST_ROUTES } from './validate-manifest.ts';
export { loadManifest, MAX_MANIFEST_BYTES } from './load-manifest.ts';
export { buildManifest, type BuildManifestOptions } from './build-manifest.ts';
export { sameOriginPathProblem } from './same-origin-path.ts';
