import path from 'node:path';
import type { InlineConfig, PluginOption } from 'vite';

/** Options of {@link demoBuildConfig}. */
export interface DemoBuildOptions {
  /** The demo's source folder (e2e/demo, or a changed copy of it). */
  root: string;
  /** Where the built site goes. */
  outDir: string;
  /** Vite plugins: the client's cacheDigest() plugin. */
  plugins?: PluginOption[];
}

/**
 * The Vite build of the demo site: two HTML pages, no inlined assets (every
 * asset is a file, as on a real site) and each shared library module in a
 * chunk of its own, so the page really loads an ES module graph.
 */
export function demoBuildConfig(options: DemoBuildOptions): InlineConfig {
  const libDir = path.join(options.root, 'src', 'lib') + path.sep;
  return {
    root: options.root,
    base: '/',
    logLevel: 'warn',
    publicDir: false,
    plugins: options.plugins ?? [],
    build: {
      outDir: options.outDir,
      emptyOutDir: true,
      assetsInlineLimit: 0,
      manifest: true,
      modulePreload: { polyfill: false },
      rolldownOptions: {
        // Builds run side by side (build-demo-site.ts): their plugin calls overlap, which makes Rolldown's timing report noise.
        checks: { bundlerTimings: false },
        input: {
          home: path.join(options.root, 'index.html'),
          gallery: path.join(options.root, 'gallery', 'index.html'),
        },
        output: {
          codeSplitting: {
            groups: [
              {
                debugName: 'demo-lib-modules',
                name: (moduleId: string) =>
                  moduleId.startsWith(libDir) ? path.basename(moduleId).replace(/\.[cm]?[jt]s$/, '') : null,
              },
            ],
          },
        },
      },
    },
  };
}
