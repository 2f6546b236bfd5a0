import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedBuild } from './build-cache.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'build-cache-test-'));
  process.env.E2E_BUILD_CACHE_DIR = path.join(dir, 'cache');
});
afterAll(async () => {
  delete process.env.E2E_BUILD_CACHE_DIR;
  await rm(dir, { recursive: true, force: true });
});

describe('cachedBuild', () => {
  it('builds a variant once, then hands out the cached copy; another variant builds on its own', async () => {
    let builds = 0;
    const make = (text: string) => async (out: string): Promise<void> => {
      builds += 1;
      await rm(out, { recursive: true, force: true });
      await mkdir(out, { recursive: true });
      await writeFile(path.join(out, 'index.html'), text);
    };
    const first = await cachedBuild('variant a', path.join(dir, 'out-1'), make('a'));
    expect(first).toBe(path.join(dir, 'out-1'));
    const second = await cachedBuild('variant a', path.join(dir, 'out-2'), make('changed, never built'));
    expect(builds).toBe(1);
    expect(path.dirname(second)).toBe(path.join(dir, 'cache'));
    expect(await readFile(path.join(second, 'index.html'), 'utf8')).toBe('a');
    const other = await cachedBuild('variant b', path.join(dir, 'out-3'), make('b'));
    expect(builds).toBe(2);
    expect(await readFile(path.join(other, 'index.html'), 'utf8')).toBe('b');
  });

  it('keeps nothing of a failed build', async () => {
    const before = await readdir(path.join(dir, 'cache')).catch(() => []);
    await expect(
      cachedBuild('variant failing', path.join(dir, 'out-4'), async () => {
        throw new Error('the build failed');
      }),
    ).rejects.toThrow('the build failed');
    expect(await readdir(path.join(dir, 'cache'))).toEqual(before);
  });
});
