import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { demoBuildConfig } from '../demo-build-config.ts';
import { findSubresources } from './find-subresources.ts';
import { pageAssetPaths } from './page-asset-paths.ts';

describe('findSubresources', () => {
  it('finds what a browser loads from HTML, CSS and JavaScript', () => {
    const html = `<!doctype html><link rel="icon" href="/i.svg"><link rel=stylesheet href='a.css'>
      <link rel="modulepreload" crossorigin href="/m.js"><link rel="canonical" href="/x">
      <script type="module" src="/main.js"></script><img alt="" src="p.png"><img src="data:image/png;base64,AA">`;
    expect(findSubresources('text/html; charset=utf-8', html)).toEqual(['/i.svg', 'a.css', '/m.js', '/main.js', 'p.png']);
    const css = `/* url(/no.png) */ @import './base.css'; @font-face { src: url("../f.ttf") format('truetype'); }
      .a { background: url(img.png) } .b { background: url('data:image/svg+xml,<svg/>') }`;
    expect(findSubresources('text/css', css)).toEqual(['./base.css', '../f.ttf', 'img.png']);
    const js = `import{t as e}from"./a-1.js";import"./b-2.js";export{x}from './c.js';const s="import('./no.js')";`;
    expect(findSubresources('text/javascript', js)).toEqual(['./a-1.js', './b-2.js', './c.js']);
  });
});

describe('the built demo', () => {
  it('is found whole by following HTML, CSS and JavaScript from its two pages', async () => {
    const root = fileURLToPath(new URL('../../demo', import.meta.url));
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'demo-scan-'));
    try {
      await build({ ...demoBuildConfig({ root, outDir }), configFile: false });
      const reachable = new Set([...(await pageAssetPaths(outDir, '/index.html')), ...(await pageAssetPaths(outDir, '/gallery/index.html'))]);
      const emitted = (await readdir(path.join(outDir, 'assets'))).map((name) => `/assets/${name}`);
      // Every emitted asset is reachable from a page: nothing is orphaned, nothing was inlined away.
      expect([...reachable].sort()).toEqual(emitted.sort());
      // The home page: about 30 assets, three kinds of file at least.
      const home = await pageAssetPaths(outDir, '/index.html');
      expect(home.length).toBeGreaterThanOrEqual(29);
      for (const kind of ['.css', '.js', '.ttf', '.png', '.svg']) expect(home.some((asset) => asset.endsWith(kind))).toBe(true);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
