import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defaultServerConditions, type PluginOption } from 'vite';
import { defineConfig } from 'vitest/config';
import { demoBuildConfig } from './e2e/src/demo-build-config.ts';

// The client's Vite plugin (Service Worker, loader tag, push-manifest.json).
// Vite's config loader leaves workspace packages to Node, which cannot load
// .ts and would resolve them to dist/: the dev loader (tsx + the `source`
// export condition) runs them from their sources.
async function cacheDigestPlugins(): Promise<PluginOption[]> {
  await import('./scripts/dev-loader.mjs');
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
  // Tests and the demo build run the workspace packages from src/ (the
  // `source` condition of their exports maps), never from a stale dist/.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions], externalConditions: ['source'] } },
  test: {
    include: ['{shared,client,server,e2e,playwright,scripts}/**/*.test.ts', 'examples/edge/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: ['--conditions=source'],
  },
}));
