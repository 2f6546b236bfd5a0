// The manifest's types live in shared/, where the client's Vite plugin (which
// writes manifests) and the server (which reads them) both find them.
export { ASSET_DESTINATIONS, type AssetDestination, type ManifestAsset, type PushManifest } from '@cache-digest/shared';
