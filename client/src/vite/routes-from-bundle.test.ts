import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDigest } from './cache-digest-plugin.ts';
import type { PushManifest } from './push-manifest-from-bundle.ts';

const page = (title: string, script: string) =>
  `<!doctype html><html><head><title>${title}</title><script type="module" src="${script}"></script></head><body><h1>${title}</h1></body></html>\n`;

// A multi-page build whose pages stand for routes: bracket names, and a template named in the plugin's `routes`.
const FILES: Record<string, string> = {
  'index.html': page('Home', '/src/home.js'),
  'posts/[slug].html': page('Post', '/src/post.js'),
  'docs/[...path]/index.html': page('Docs', '/src/docs.js'),
  'shop/[category]/[id].html': page('Product', '/src/product.js'),
  'account.html': page('Account', '/src/account.js'),
  'src/shared.js': `export const shared = 'shared';\n`,
  'src/home.js': `import { shared } from './shared.js';\nconsole.log('home', shared);\n`,
  'src/post.js': `import { shared } from './shared.js';\nimport './post.css';\nconsole.log('post', shared);\n`,
  'src/post.css': `article { color: #123; }\n`,
  'src/docs.js': `console.log('docs');\n`,
  'src/product.js': `console.log('product');\n`,
  'src/account.js': `console.log('account');\n`,
};

describe('the Vite plugin writes routes for multi-page builds', () => {
  let root: string;
  let manifest: PushManifest;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cache-digest-vite-routes-'));
    for (const [file, text] of Object.entries(FILES)) {
      await mkdir(path.dirname(path.join(root, 'site', file)), { recursive: true });
      await writeFile(path.join(root, 'site', file), text);
    }
    const input = Object.fromEntries(
      Object.keys(FILES)
        .filter((file) => file.endsWith('.html'))
        .map((file) => [/\/src\/(\w+)\.js/.exec(FILES[file]!)![1]!, path.join(root, 'site', file)]),
    );
    await build({
      root: path.join(root, 'site'),
      configFile: false,
      logLevel: 'silent',
      plugins: [cacheDigest({ routes: { '/me/*': 'account.html' } })],
      build: { outDir: path.join(root, 'dist'), emptyOutDir: true, rolldownOptions: { input } },
    });
    manifest = JSON.parse(await readFile(path.join(root, 'dist', 'push-manifest.json'), 'utf8')) as PushManifest;
  }, 120_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('bracket-named pages become route patterns (version 2); the others stay pages', () => {
    expect(manifest.version).toBe(2);
    expect(Object.keys(manifest.pages).sort()).toEqual(['/account.html', '/index.html']);
    expect(Object.keys(manifest.routes!).sort()).toEqual(['/docs/*', '/me/*', '/posts/:slug', '/shop/:category/:id']);
  });

  it('a route lists its page’s assets: the shared chunk first, the route’s own CSS', () => {
    const post = manifest.routes!['/posts/:slug']!.map((asset) => path.basename(asset.url));
    expect(post[0]).toMatch(/^post-.*\.css$/);
    // Imports before importers.
    expect(post.findIndex((name) => /^shared-.*\.js$/.test(name))).toBeLessThan(post.findIndex((name) => /^post-.*\.js$/.test(name)));
    expect(post.findIndex((name) => /^shared-.*\.js$/.test(name))).toBeGreaterThan(0);
    expect(manifest.routes!['/me/*']).toEqual(manifest.pages['/account.html']);
  });
});
