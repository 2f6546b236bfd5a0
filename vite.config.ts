import { fileURLToPath } from 'node:url';
import type { PluginOption } from 'vite';
import { defineConfig } from 'vitest/config';
import { demoBuildConfig } from './e2e/src/demo-build-config.ts';

// The client's Vite plugin (Service Worker, loader tag, push-manifest.json).
// It is TypeScript inside a workspace package, which Vite's config loader
// leaves to Node, and Node 20 cannot load .ts: tsx's loader can.
async function cacheDigestPlugins(): Promise<PluginOption[]> {
  const { register } = await import('tsx/esm/api');
  register();
  const { cacheDigest } = await import('@cache-digest/client/vite');
  return [cacheDigest()];
}

// One config for the whole repository: the test runner settings live here;
// `vite build` builds the demo site (e2e/demo -> e2e/demo/dist).
export default defineConfig(async ({ command }) => ({
  ...(command === 'build'
    ? demoBuildConfig({
        root: fileURLToPath(new URL('./e2e/demo', import.meta.url)),
        outDir: fileURLToPath(new URL('./e2e/demo/dist', import.meta.url)),
        plugins: await cacheDigestPlugins(),
      })
    : {}),
  test: {
    include: ['{shared,client,server,e2e,scripts}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
}));
