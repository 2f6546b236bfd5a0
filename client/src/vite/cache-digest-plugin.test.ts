import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureSite } from '../../test-support/build-fixture-site.ts';
import { buildClientFiles } from './build-client-files.ts';
import type { PushManifest } from './push-manifest-from-bundle.ts';

// Computed here with node:crypto, independently of contentEtag().
const etagOf = (bytes: Buffer) => `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;

describe('cacheDigest() Vite plugin on a multi-page app', () => {
  let outDir: string;
  let manifest: PushManifest;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-vite-'));
    await buildFixtureSite(outDir);
    manifest = JSON.parse(await readFile(path.join(outDir, 'push-manifest.json'), 'utf8')) as PushManifest;
  });
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('injects the loader tag once into every page', async () => {
    for (const page of ['index.html', 'about/index.html']) {
      const html = await readFile(path.join(outDir, page), 'utf8');
      expect(html.match(/<script src="\/cache-digest\.js" async><\/script>/g)).toHaveLength(1);
    }
  });

  it('emits the loader (under 1 KB gzipped) and the worker at the root as classic scripts', async () => {
    const loader = await readFile(path.join(outDir, 'cache-digest.js'));
    const worker = await readFile(path.join(outDir, 'cache-digest-sw.js'));
    expect(gzipSync(loader).length).toBeLessThan(1024);
    expect(() => new vm.Script(loader.toString())).not.toThrow();
    expect(() => new vm.Script(worker.toString())).not.toThrow();
    expect(worker.toString()).not.toMatch(/\bimport\s*[{(*"']|process\.env/);
  });

  it('writes a push manifest for both pages with content ETags, sizes and dependency order', async () => {
    expect(manifest.version).toBe(1);
    expect(Object.keys(manifest.pages).sort()).toEqual(['/about/index.html', '/index.html']);
    for (const [page, assets] of Object.entries(manifest.pages)) {
      const html = await readFile(path.join(outDir, page), 'utf8');
      const referenced = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]);
      expect(assets.map((asset) => asset.url).sort()).toEqual([...new Set(referenced)].sort());
      for (const asset of assets) {
        const bytes = await readFile(path.join(outDir, asset.url));
        expect(asset.etag).toBe(etagOf(bytes));
        expect(asset.size).toBe((await stat(path.join(outDir, asset.url))).size);
      }
      const kinds = assets.map((asset) => asset.as);
      expect(kinds).toEqual([...kinds].sort((a, b) => (a === 'style' ? 0 : 1) - (b === 'style' ? 0 : 1)));
      // The shared chunk is imported by the page's entry: it comes first.
      const scripts = assets.filter((asset) => asset.as === 'script').map((asset) => path.basename(asset.url));
      expect(scripts[0]).toMatch(/^shared-/);
      expect(scripts.every((name) => assets.find((asset) => asset.url.endsWith(name))!.module)).toBe(true);
    }
    // The about page's CSS is imported from its script and still listed.
    expect(manifest.pages['/about/index.html']!.some((asset) => /about-.*\.css$/.test(asset.url))).toBe(true);
  });

  it('buildClientFiles() writes the same two files for any static site', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cache-digest-files-'));
    try {
      const files = await buildClientFiles(dir, { maxEntries: 123 });
      expect(path.basename(files.loader)).toBe('cache-digest.js');
      expect(path.basename(files.worker)).toBe('cache-digest-sw.js');
      expect(await readFile(files.worker, 'utf8')).toContain('maxEntries:123');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
