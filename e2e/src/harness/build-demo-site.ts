import { appendFile, cp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { cacheDigest } from '@cache-digest/client/vite';
import { contentEtag } from '@cache-digest/shared';
import { generateDemoAssets } from '../demo-assets/generate-demo-assets.ts';
import { buildPixelFont } from '../demo-assets/pixel-font.ts';
import { demoBuildConfig } from '../demo-build-config.ts';
import { cachedBuild } from './build-cache.ts';

/** The demo's source folder. */
export const DEMO_SOURCE_DIR = fileURLToPath(new URL('../../demo', import.meta.url));

/**
 * The "deploy" of the benchmark: three of the home page's ~30 assets change
 * (three photos); everything else keeps its bytes and so its content-hashed
 * URL. Photos, because a changed stylesheet or module also renames every
 * chunk that imports it (Vite's hashes cascade), which would change more
 * than three.
 */
export const DEPLOY_CHANGED_IMAGES: readonly string[] = ['photo-03.png', 'photo-07.png', 'photo-11.png'];

/** One file of a built site. */
export interface BuiltFile {
  size: number;
  etag: string;
}

/** A built demo: its folder and every servable file by URL path. */
export interface BuiltSite {
  dir: string;
  files: Map<string, BuiltFile>;
}

/** Options of {@link buildDemoSite}. */
export interface BuildDemoSiteOptions {
  /** A scratch folder for the source copy. */
  workDir: string;
  outDir: string;
  /** Apply the deploy: {@link DEPLOY_CHANGED_IMAGES}. */
  deploy?: boolean;
  /**
   * Later deploys, cumulative: `js` changes the deepest module of the import
   * graph (escape-html), so every importer's hashed URL changes; `css`
   * changes the design-token stylesheet and the bold font, an asset
   * referenced only from CSS; `js-again` changes the deepest module a
   * second time (the think-time scenario's deploy).
   */
  codeChanges?: readonly ('js' | 'css' | 'js-again')[];
}

/**
 * Build the demo with Vite and the client's plugin, from a copy of its
 * source so that a deploy can change files; reused from the build cache
 * when nothing it depends on changed (see build-cache.ts), so the site's
 * folder may be the cache's (read it, never write into it).
 */
export async function buildDemoSite(options: BuildDemoSiteOptions): Promise<BuiltSite> {
  const variant = `demo ${JSON.stringify({ deploy: options.deploy === true, codeChanges: options.codeChanges ?? [] })}`;
  const dir = await cachedBuild(variant, options.outDir, (outDir) => buildFromSource({ ...options, outDir }));
  return { dir, files: await listBuiltFiles(dir) };
}

async function buildFromSource(options: BuildDemoSiteOptions): Promise<void> {
  const source = path.join(options.workDir, `source-${path.basename(options.outDir)}`);
  await cp(DEMO_SOURCE_DIR, source, {
    recursive: true,
    filter: (file) => !/[\\/](dist|node_modules)([\\/]|$)/.test(path.relative(DEMO_SOURCE_DIR, file)) && path.basename(file) !== 'dist',
  });
  if (options.deploy) await generateDemoAssets(path.join(source, 'src', 'assets'), DEPLOY_CHANGED_IMAGES);
  if (options.codeChanges?.includes('js')) {
    // A branch the minifier keeps (it depends on the input), with no visible effect.
    const file = path.join(source, 'src', 'lib', 'escape-html.ts');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('return text.replace(', "if (text === '\\u0000deploy-js') return '';\n  return text.replace("));
  }
  if (options.codeChanges?.includes('js-again')) {
    const file = path.join(source, 'src', 'lib', 'escape-html.ts');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('return text.replace(', "if (text === '\\u0000deploy-js-again') return '';\n  return text.replace("));
  }
  if (options.codeChanges?.includes('css')) {
    await appendFile(path.join(source, 'src', 'styles', 'tokens.css'), '\n:root {\n  --demo-deploy: css;\n}\n');
    await writeFile(path.join(source, 'src', 'assets', 'fonts', 'pixel-bold.ttf'), buildPixelFont({ family: 'Demo Pixel Deploy', bold: true }));
  }
  await build({ ...demoBuildConfig({ root: source, outDir: options.outDir, plugins: [cacheDigest()] }), configFile: false });
}

/** Every servable file of a built site by URL path, with its size and content ETag (dot files left out). */
export async function listBuiltFiles(root: string): Promise<Map<string, BuiltFile>> {
  const files = new Map<string, BuiltFile>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if ((await stat(full)).isFile()) {
        const bytes = await readFile(full);
        files.set(`/${path.relative(root, full).split(path.sep).join('/')}`, { size: bytes.length, etag: contentEtag(bytes) });
      }
    }
  };
  await walk(root);
  return files;
}
