// The fixture app's Vite config: vite-plugin-pwa builds src/sw.ts
// (`injectManifest`) and the kit's Vite plugin writes the push manifest
// only (the site's own worker replaces the kit's). A function, so that each
// build gets fresh plugin instances (vite-plugin-pwa.chromium.test.ts builds twice).
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vite';
import { cacheDigest } from '@cache-digest/client/vite';

export default defineConfig(() => ({
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: 'inline',
      manifest: false,
      // Pages stay out of the precache: navigations go to the server with the digest.
      injectManifest: { globPatterns: ['**/*.{js,css,svg,png,woff2}'] },
    }),
    cacheDigest({ clientFiles: false }),
  ],
}));
