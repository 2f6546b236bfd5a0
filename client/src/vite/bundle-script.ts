import { build, defaultClientConditions, type Plugin, type Rollup } from 'vite';

// In the repository the workspace packages resolve to their TypeScript
// sources through the `source` export condition; published, to dist/.
const conditions = import.meta.url.endsWith('.ts') ? ['source', ...defaultClientConditions] : [...defaultClientConditions];

/** Options of {@link bundleScript}. */
export interface BundleScriptOptions {
  /** Compile-time constants (Vite's `define`); `process.env.NODE_ENV` is always `production`. */
  define?: Record<string, string>;
  minify?: boolean;
  /** The IIFE's global name. */
  name?: string;
  /** Build plugins (for example `dropErrorMessages()` for the worker). */
  plugins?: Plugin[];
  /**
   * Property names the minifier may shorten (exact names the bundle alone
   * creates and reads; see `WORKER_INTERNAL_PROPERTY_PATTERN`). None by default.
   */
  mangleProps?: RegExp;
}

/**
 * Bundles one TypeScript entry, with the npm packages it imports, into a
 * single classic script (IIFE) with Vite's build API, in memory: what a
 * Service Worker or a `<script async>` needs.
 */
export async function bundleScript(entry: string, options: BundleScriptOptions = {}): Promise<string> {
  const result = await build({
    configFile: false,
    envFile: false,
    logLevel: 'silent',
    publicDir: false,
    plugins: options.plugins ?? [],
    resolve: { conditions },
    define: {
      ...options.define,
      // Drops workbox-core's development-only checks and logs.
      'process.env.NODE_ENV': JSON.stringify('production'),
    },
    build: {
      write: false,
      minify: options.minify ?? true,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      target: 'es2022',
      ...(options.mangleProps && (options.minify ?? true) ? { rolldownOptions: { output: { minify: { mangleProps: { include: options.mangleProps } } } } } : {}),
      lib: { entry, formats: ['iife'], name: options.name ?? 'cacheDigestClient', fileName: () => 'bundle.js' },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  for (const output of outputs) {
    for (const file of output.output ?? []) {
      if (file.type === 'chunk' && file.isEntry) return file.code;
    }
  }
  throw new Error(`bundling ${entry} produced no script`);
}
