import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { cacheDigest, type CacheDigestPluginOptions } from '../src/vite/index.ts';

/** The multi-page fixture site (a home page and /about/) built by the tests. */
export const FIXTURE_SITE = fileURLToPath(new URL('../test-fixtures/mpa/', import.meta.url));

/**
 * Copies the fixture site to a temporary folder, applies `edits` (path →
 * text appended to that file: a "deploy" changing those assets), and builds
 * it with the cache-digest Vite plugin into `outDir`.
 */
export async function buildFixtureSite(
  outDir: string,
  options: { edits?: Record<string, string>; plugin?: CacheDigestPluginOptions } = {},
): Promise<void> {
  const source = await mkdtemp(path.join(tmpdir(), 'cache-digest-site-'));
  await cp(FIXTURE_SITE, source, { recursive: true });
  for (const [file, addition] of Object.entries(options.edits ?? {})) {
    const target = path.join(source, file);
    await writeFile(target, (await readFile(target, 'utf8')) + addition);
  }
  await build({
    root: source,
    configFile: false,
    logLevel: 'silent',
    plugins: [cacheDigest(options.plugin)],
    build: {
      outDir,
      emptyOutDir: true,
      rolldownOptions: { input: { main: path.join(source, 'index.html'), about: path.join(source, 'about/index.html') } },
    },
  });
}
