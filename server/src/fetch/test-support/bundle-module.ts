import { build, type Rollup } from 'vite';

/**
 * Bundles one TypeScript entry with everything it imports into a single ES
 * module, in memory, unminified: what workerd, Deno and Bun load.
 */
export async function bundleModule(entry: string): Promise<string> {
  const result = await build({
    configFile: false,
    envFile: false,
    logLevel: 'silent',
    publicDir: false,
    plugins: [],
    // The workspace packages from src/: no build of dist/ needed in a fresh clone.
    resolve: { conditions: ['source', 'module', 'browser', 'production'] },
    build: {
      write: false,
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      target: 'es2022',
      lib: { entry, formats: ['es'], fileName: () => 'worker.js' },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  for (const output of outputs) {
    for (const file of output.output ?? []) {
      if (file.type === 'chunk' && file.isEntry) return file.code;
    }
  }
  throw new Error(`bundling ${entry} produced no module`);
}
