import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentEtag } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticTestServer } from '../static/h2-test-server.ts';
import { StaticSite } from '../static/index.ts';
import { ensureDevCertificate } from '../tls/index.ts';
import { buildManifest, loadManifest, ManifestError, validateManifest, type PushManifest } from './index.ts';

const FIXTURE = fileURLToPath(new URL('../../test-fixtures/site', import.meta.url));
let workDir: string;
let manifest: PushManifest;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'manifest-test-'));
  manifest = await buildManifest(FIXTURE);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const urls = (page: string): string[] => manifest.pages[page]!.map((asset) => asset.url);

describe('buildManifest over the fixture site', () => {
  it('lists every HTML page by URL path', () => {
    expect(Object.keys(manifest.pages).sort()).toEqual(['/about/index.html', '/blog/first-post/index.html', '/index.html']);
  });

  it('orders the home page: imported sheets first, modules after their imports, then fonts, then images', () => {
    expect(urls('/index.html')).toEqual([
      '/css/base.css',
      '/css/typography.css',
      '/css/main.css',
      '/css/inline-import.css',
      '/js/util.js',
      '/js/lib/dom.js',
      '/js/lib/format.js',
      '/js/side-effect.js',
      '/js/config.js',
      '/js/app.js',
      '/js/legacy.js',
      '/fonts/inter.woff2',
      '/favicon.ico',
      '/img/logo.svg',
      '/img/hero.png',
    ]);
    const byUrl = new Map(manifest.pages['/index.html']!.map((asset) => [asset.url, asset]));
    expect(byUrl.get('/js/app.js')).toMatchObject({ as: 'script', type: 'text/javascript', module: true, crossorigin: true });
    expect(byUrl.get('/js/legacy.js')!.module).toBeUndefined();
    expect(byUrl.get('/fonts/inter.woff2')).toMatchObject({ as: 'font', type: 'font/woff2', crossorigin: true });
    expect(byUrl.get('/css/main.css')).toMatchObject({ as: 'style', type: 'text/css' });
    expect(byUrl.get('/img/logo.svg')).toMatchObject({ as: 'image', type: 'image/svg+xml' });
  });

  it('leaves out comments, strings, dynamic imports, fallbacks, alternates, other origins and missing files', () => {
    const all = Object.values(manifest.pages).flat().map((asset) => asset.url);
    for (const absent of [
      '/css/commented-out.css', '/img/commented.png', '/img/in-a-string.png', '/js/in-a-string.js', '/img/written.png',
      '/js/lazy.js', '/js/commented.js', '/js/string.js', '/js/template.js', '/js/nomodule-fallback.js', '/js/data.json',
      '/css/alt.css', '/img/missing.png', '/img/in-textarea.png', '/img/bg.png', '/img/logo@2x.png',
    ]) {
      expect(all, absent).not.toContain(absent);
    }
    for (const url of all) {
      expect(url.startsWith('/') && !url.startsWith('//')).toBe(true);
    }
    for (const assets of Object.values(manifest.pages)) {
      expect(new Set(assets.map((asset) => asset.url)).size).toBe(assets.length);
    }
  });

  it('resolves against the referring file and <base href>', () => {
    expect(urls('/about/index.html')).toEqual([
      '/css/base.css',
      '/css/typography.css',
      '/css/main.css',
      '/about/about.css',
      '/js/util.js',
      '/fonts/inter.woff2',
      '/img/logo.svg',
      '/about/team.png',
    ]);
    expect(urls('/blog/first-post/index.html')).toEqual([
      '/assets/app.3F2A9C1B.css',
      '/assets/chunk-7d3e1a2b.js',
      '/assets/main-3f2a9c1b.js',
      '/img/logo.svg',
    ]);
  });

  it('carries the sizes and ETags the HTTP/2 server sends', async () => {
    const certificate = await ensureDevCertificate(path.join(workDir, 'certs'));
    const server = await startStaticTestServer(new StaticSite({ root: FIXTURE }), certificate);
    try {
      for (const asset of Object.values(manifest.pages).flat()) {
        const response = await server.request(asset.url);
        expect(response.status, asset.url).toBe(200);
        expect(response.headers['etag'], asset.url).toBe(asset.etag);
        expect(response.body.length, asset.url).toBe(asset.size);
        expect(asset.etag).toBe(contentEtag(await readFile(path.join(FIXTURE, decodeURIComponent(asset.url)))));
      }
    } finally {
      await server.close();
    }
  });

  it('passes its own validation and survives a JSON round trip through loadManifest', async () => {
    expect(validateManifest(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
    const file = path.join(workDir, 'manifest.json');
    await writeFile(file, JSON.stringify(manifest));
    expect(await loadManifest(file)).toEqual(manifest);
  });
});

describe('buildManifest on awkward sites', () => {
  it('terminates on import cycles, listing each file once', async () => {
    const root = path.join(workDir, 'cycles');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<link rel=stylesheet href=a.css><script type=module src=a.js></script>');
    await writeFile(path.join(root, 'a.css'), '@import "b.css"; .a{}');
    await writeFile(path.join(root, 'b.css'), '@import "a.css"; .b{}');
    await writeFile(path.join(root, 'a.js'), "import './b.js'; export const a = 1;");
    await writeFile(path.join(root, 'b.js'), "import './a.js'; export const b = 1;");
    const built = await buildManifest(root);
    expect(built.pages['/index.html']!.map((asset) => asset.url)).toEqual(['/b.css', '/a.css', '/b.js', '/a.js']);
  });

  it('treats a cross-origin <base> as making relative references cross-origin', async () => {
    const root = path.join(workDir, 'base');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<base href="https://cdn.example.com/"><link rel=stylesheet href=a.css><img src=/b.png>');
    await writeFile(path.join(root, 'a.css'), '.a{}');
    await writeFile(path.join(root, 'b.png'), 'png');
    const built = await buildManifest(root);
    expect(built.pages['/index.html']).toEqual([]);
  });
});

describe('loadManifest validation', () => {
  const asset = { url: '/a.css', as: 'style', type: 'text/css', size: 10, etag: '"abc"' };
  const write = async (name: string, value: unknown): Promise<string> => {
    const file = path.join(workDir, name);
    await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const rejection = async (value: unknown): Promise<ManifestError> => {
    const error = await loadManifest(await write(`bad-${Math.random()}.json`, value)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  };

  it('rejects cross-origin and non-absolute-path URLs with a clear message', async () => {
    for (const url of ['https://evil.example/x.js', '//evil.example/x.js', 'x.js', './x.js', '/a/../x.js', '/a b.js', '/x.js#f', '/a\\b.js', 'javascript:alert(1)']) {
      const error = await rejection({ version: 1, pages: { '/index.html': [{ ...asset, url }] } });
      expect(error.code, url).toBe('INVALID');
      expect(error.where, url).toBe('pages["/index.html"][0].url');
      expect(error.message).toContain('url');
    }
    const page = await rejection({ version: 1, pages: { 'https://evil.example/': [] } });
    expect(page.where).toBe('pages["https://evil.example/"]');
  });

  it('rejects other schema violations and non-JSON, naming the place', async () => {
    const cases: [unknown, string][] = [
      [{ version: 3, pages: {} }, 'version'],
      [{ version: 1 }, 'pages'],
      [{ version: 1, pages: { '/': [{ ...asset, as: 'video' }] } }, 'pages["/"][0].as'],
      [{ version: 1, pages: { '/': [{ ...asset, size: -1 }] } }, 'pages["/"][0].size'],
      [{ version: 1, pages: { '/': [{ ...asset, etag: 'abc' }] } }, 'pages["/"][0].etag'],
      [{ version: 1, pages: { '/': [{ ...asset, module: 'yes' }] } }, 'pages["/"][0].module'],
      [{ version: 1, pages: { '/': {} } }, 'pages["/"]'],
      [[], '$'],
    ];
    for (const [value, where] of cases) {
      const error = await rejection(value);
      expect(error.code).toBe('INVALID');
      expect(error.where).toBe(where);
    }
    expect((await rejection('{ not json')).code).toBe('BAD_JSON');
    const missing = await loadManifest(path.join(workDir, 'no-such.json')).catch((caught: unknown) => caught);
    expect((missing as ManifestError).code).toBe('READ_FAILED');
  });

  it('accepts queries, weak ETags and drops unknown fields', async () => {
    const file = await write('good.json', {
      version: 1,
      extra: true,
      pages: { '/index.html': [{ ...asset, url: '/a.css?v=2', etag: 'W/"x"', crossorigin: true, note: 'ignored' }] },
    });
    expect(await loadManifest(file)).toEqual({
      version: 1,
      pages: { '/index.html': [{ ...asset, url: '/a.css?v=2', etag: 'W/"x"', crossorigin: true }] },
    });
  });
});
