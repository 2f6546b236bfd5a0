// Regenerates e2e/demo/src/assets (committed): `npx tsx e2e/demo/scripts/generate-assets.ts`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemoAssets } from '../../src/demo-assets/generate-demo-assets.ts';

const assetsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/assets');
const written = await generateDemoAssets(assetsDir);
console.log(`wrote ${written.length} files into ${path.relative(process.cwd(), assetsDir) || '.'}`);
