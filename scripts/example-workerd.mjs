#!/usr/bin/env node
// `npm run example:workerd`: builds the demo site (vite build, as `npm start`
// does) and serves it through examples/cloudflare-worker on workerd (driven by
// Miniflare, no network) at http://localhost:8787/ with the site as Workers
// Static Assets. Plain HTTP on localhost is a secure context: Service Workers run.
//   PORT=8788 npm run example:workerd     another port (0: any free one)
//   DIST=path/to/site npm run example:workerd   serve an already built site
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? '8787');
const { build } = await import('vite');

let dist = process.env.DIST ? path.resolve(process.env.DIST) : undefined;
if (!dist) {
  console.log('Building the demo site (vite build)…');
  await build({ configFile: path.join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });
  dist = path.join(repoRoot, 'e2e', 'demo', 'dist');
}

// The worker as wrangler would bundle it: one ES module with its npm imports.
const result = await build({
  configFile: false,
  envFile: false,
  logLevel: 'silent',
  publicDir: false,
  // The workspace packages from src/, as `npm start` runs them: no build of dist/ first.
  resolve: { conditions: ['source', 'module', 'browser', 'production'] },
  build: {
    write: false,
    minify: false,
    target: 'es2022',
    reportCompressedSize: false,
    lib: { entry: path.join(repoRoot, 'examples', 'cloudflare-worker', 'src', 'worker.ts'), formats: ['es'], fileName: () => 'worker.js' },
  },
});
const outputs = Array.isArray(result) ? result : [result];
const script = outputs.flatMap((output) => output.output).find((file) => file.type === 'chunk' && file.isEntry)?.code;
if (!script) throw new Error('bundling the worker produced nothing');

const { Miniflare } = await import('miniflare');
const mf = new Miniflare({
  modules: true,
  script,
  compatibilityDate: '2025-09-01',
  host: '127.0.0.1',
  port,
  // wrangler.jsonc's `assets` with `run_worker_first: true`.
  assets: { directory: dist, binding: 'ASSETS', routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true } },
});
const url = await mf.ready;
console.log(`cache-digest: serving ${path.relative(repoRoot, dist) || dist} through workerd at http://localhost:${url.port}/ (Ctrl-C stops it)`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    void mf.dispose().finally(() => process.exit(0));
  });
}
