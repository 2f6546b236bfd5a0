// Part of `npm run build` (after tsc): bundles the loader and the Service
// Worker from the compiled dist/ into the two minified classic scripts the
// package ships (dist/cache-digest.js, dist/cache-digest-sw.js).
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClientFiles } from '../dist/vite/build-client-files.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const files = await buildClientFiles(dist);
for (const file of [files.loader, files.worker]) {
  const bytes = await readFile(file);
  console.log(`${path.relative(dist, file)}: ${bytes.length} B, ${gzipSync(bytes).length} B gzipped`);
}
