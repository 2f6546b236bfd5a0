import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
/** `E2E_BUILD_CACHE_DIR`, else node_modules/.cache/cache-digest-e2e. */
const cacheRoot = (): string => process.env.E2E_BUILD_CACHE_DIR ?? path.join(REPO, 'node_modules', '.cache', 'cache-digest-e2e');
const KEEP_DAYS = 7;

/**
 * Everything a demo build's output depends on: the demo's source and asset
 * generator, the build config and build code of this folder, the client
 * (its Vite plugin bundles the worker and loader) and shared packages, and
 * the lock file (Vite, Rolldown, workbox-build versions). Anything else
 * that changed the output would be a missed input: `E2E_BUILD_CACHE=off`
 * builds from scratch.
 */
const INPUTS = [
  'e2e/demo',
  'e2e/src/demo-assets',
  'e2e/src/demo-build-config.ts',
  'e2e/src/harness/build-demo-site.ts',
  'e2e/src/harness/workbox-site.ts',
  'client/src',
  'client/package.json',
  'shared/src',
  'shared/package.json',
  'package-lock.json',
];

let inputsHash: Promise<string> | undefined;

async function hashInputs(): Promise<string> {
  const hash = createHash('sha256');
  const add = async (relative: string): Promise<void> => {
    const full = path.join(REPO, relative);
    const info = await stat(full).catch(() => null);
    if (!info) return;
    if (info.isDirectory()) {
      const entries = (await readdir(full)).filter((name) => name !== 'node_modules' && name !== 'dist' && !name.startsWith('.')).sort();
      for (const name of entries) await add(path.posix.join(relative, name));
    } else if (info.isFile()) {
      hash.update(`${relative}\0`).update(await readFile(full)).update('\0');
    }
  };
  for (const input of INPUTS) await add(input);
  return hash.digest('hex');
}

/**
 * The folder holding `make`'s output for `variant` (a description of what
 * differs between builds, e.g. the deploy applied), built once per content
 * of the inputs and reused from `node_modules/.cache/cache-digest-e2e`
 * (`E2E_BUILD_CACHE_DIR`) afterwards: the benchmark and the end-to-end tests build five demo
 * variants and their Workbox copies, a minute and a half on a busy machine.
 * `make(dir)` writes into a fresh folder; a failed build leaves nothing.
 * Entries unused for a week are deleted.
 */
export async function cachedBuild(variant: string, scratchDir: string, make: (dir: string) => Promise<void>): Promise<string> {
  if (process.env.E2E_BUILD_CACHE === 'off') {
    await make(scratchDir);
    return scratchDir;
  }
  inputsHash ??= hashInputs().then(async (hash) => {
    await pruneOldEntries(cacheRoot());
    return hash;
  });
  const key = createHash('sha256').update(await inputsHash).update(variant).digest('hex').slice(0, 24);
  const root = cacheRoot();
  const entry = path.join(root, key);
  const hit = await stat(entry).catch(() => null);
  if (hit?.isDirectory()) {
    const now = new Date();
    await utimes(entry, now, now).catch(() => undefined);
    return entry;
  }
  await make(scratchDir);
  await mkdir(root, { recursive: true });
  // Copy, then rename: a concurrent run or an interrupted copy never leaves a half entry under the key.
  const partial = `${entry}.partial-${process.pid}-${Date.now()}`;
  await cp(scratchDir, partial, { recursive: true });
  await rename(partial, entry).catch(async () => rm(partial, { recursive: true, force: true }));
  return scratchDir;
}

async function pruneOldEntries(root: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  const cutoff = Date.now() - KEEP_DAYS * 24 * 3600 * 1000;
  for (const name of names) {
    const full = path.join(root, name);
    const info = await stat(full).catch(() => null);
    if (info && info.mtimeMs < cutoff) await rm(full, { recursive: true, force: true });
  }
}
