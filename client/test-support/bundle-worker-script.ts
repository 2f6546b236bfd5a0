import { build, type Rollup } from 'vite';

/**
 * Bundles a Service Worker entry (TypeScript, importing npm packages such as
 * workbox-*) into one classic script with Vite's build API, in memory.
 */
export async function bundleWorkerScript(entry: string): Promise<string> {
  const result = await build({
    configFile: false,
    envFile: false,
    logLevel: 'silent',
    publicDir: false,
    plugins: [],
    // Drops workbox's development-only checks and logs.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      target: 'es2022',
      lib: { entry, formats: ['iife'], name: 'testWorker', fileName: () => 'worker.js' },
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
