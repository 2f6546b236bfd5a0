import { cp, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { cacheDigest } from '@cache-digest/client/vite';
import { contentEtag } from '@cache-digest/shared';
import { generateDemoAssets } from '../demo-assets/generate-demo-assets.ts';
import { demoBuildConfig } from '../demo-build-config.ts';

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
}

/**
 * Build the demo with Vite and the client's plugin, from a copy of its
 * source so that a deploy can change files.
 */
export async function buildDemoSite(options: BuildDemoSiteOptions): Promise<BuiltSite> {
  const source = path.join(options.workDir, options.deploy ? 'demo-deploy' : 'demo');
  await cp(DEMO_SOURCE_DIR, source, {
    recursive: true,
    filter: (file) => !/[\\/](dist|node_modules)([\\/]|$)/.test(path.relative(DEMO_SOURCE_DIR, file)) && path.basename(file) !== 'dist',
  });
  if (options.deploy) await generateDemoAssets(path.join(source, 'src', 'assets'), DEPLOY_CHANGED_IMAGES);
  await build({ ...demoBuildConfig({ root: source, outDir: options.outDir, plugins: [cacheDigest()] }), configFile: false });
  return { dir: options.outDir, files: await listFiles(options.outDir) };
}

async function listFiles(root: string): Promise<Map<string, BuiltFile>> {
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
