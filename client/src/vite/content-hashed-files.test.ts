import type { Rollup } from 'vite';
import { describe, expect, it } from 'vitest';
import { contentHashedFiles } from './content-hashed-files.ts';

const chunk = (fileName: string, name: string, isEntry = false) => ({ type: 'chunk', fileName, name, isEntry }) as unknown as Rollup.OutputChunk;
const asset = (fileName: string, names: string[]) => ({ type: 'asset', fileName, names }) as unknown as Rollup.OutputAsset;
const bundleOf = (...files: (Rollup.OutputChunk | Rollup.OutputAsset)[]) => Object.fromEntries(files.map((file) => [file.fileName, file])) as Rollup.OutputBundle;

describe('contentHashedFiles', () => {
  const bundle = bundleOf(
    chunk('assets/main-DdorVCpF.js', 'main', true),
    chunk('assets/escape-html-Bx_-aZ9q.js', 'escape-html'),
    asset('assets/photo-04-BcAp__Vw.png', ['photo-04.png']),
    asset('assets/main-menu-C1x2Y3z4.css', ['src/main-menu.css']),
    asset('index.html', ['index.html']),
    // Emitted under a fixed name, as the plugin emits the worker: not hashed even where the pattern could match.
    asset('cache-digest-sw.js', []),
    asset('assets/robots-2024.txt', ['robots.txt']),
  );

  it("knows the hashed files from Vite's default patterns", () => {
    const output = { entryFileNames: 'assets/[name]-[hash].js', chunkFileNames: 'assets/[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' };
    expect(contentHashedFiles(bundle, output)).toEqual([
      'assets/escape-html-Bx_-aZ9q.js',
      'assets/main-DdorVCpF.js',
      'assets/main-menu-C1x2Y3z4.css',
      'assets/photo-04-BcAp__Vw.png',
      'assets/robots-2024.txt',
    ]);
  });

  it('follows patterns without [hash] and pattern functions', () => {
    const output = {
      entryFileNames: '[name].js',
      chunkFileNames: (file: { name: string }) => (file.name === 'escape-html' ? 'assets/[name]-[hash].js' : 'assets/[name].js'),
      assetFileNames: () => {
        throw new Error('user code failed');
      },
    };
    expect(contentHashedFiles(bundle, output)).toEqual(['assets/escape-html-Bx_-aZ9q.js']);
  });
});
