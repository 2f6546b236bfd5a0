// Test support (not shipped in the public API): a small static site on disk
// and helpers to build digests and read responses with real clients.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StaticSite } from '../../static/index.ts';
import type { PageAsset } from '../../core/types.ts';

/** A site folder with one page and five assets of every kind, and its manifest. */
export interface TestSite {
  root: string;
  site: StaticSite;
  pages: Record<string, PageAsset[]>;
  /** The page's assets by URL. */
  assets: Map<string, PageAsset>;
  pageBody: string;
  remove(): Promise<void>;
}

export const TEST_PAGE_BODY = `<!doctype html>
<html><head>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/legacy.js"></script>
<script type="module" src="/assets/main.js"></script>
<meta name="description" content="a page long enough to be worth compressing: ${'lorem ipsum '.repeat(30)}">
</head><body><img src="/img/logo.png"><p>hello</p></body></html>
`;

const FILES: Record<string, string | Uint8Array> = {
  'index.html': TEST_PAGE_BODY,
  'about/index.html': '<!doctype html><title>about</title><link rel="stylesheet" href="/assets/app.css">\n',
  'assets/app.css': `@font-face { font-family: x; src: url(/fonts/x.woff2); }\nbody { color: #123; }\n${'/* padding */\n'.repeat(40)}`,
  'assets/legacy.js': `console.log('legacy');\n`,
  'assets/main.js': `import './dep.js';\nconsole.log('main');\n`,
  'fonts/x.woff2': new Uint8Array(Array.from({ length: 700 }, (_, i) => (i * 31) & 0xff)),
  'img/logo.png': new Uint8Array(Array.from({ length: 1500 }, (_, i) => (i * 7) & 0xff)),
  '.secret': 'do not serve',
};

const KINDS: [url: string, as: string, extra?: Partial<PageAsset>][] = [
  ['/assets/app.css', 'style'],
  ['/assets/legacy.js', 'script'],
  ['/assets/main.js', 'script', { module: true, crossorigin: true }],
  ['/fonts/x.woff2', 'font', { crossorigin: true }],
  ['/img/logo.png', 'image'],
];

/** Writes the site into a fresh temporary folder and describes it as a push manifest would. */
export async function createTestSite(): Promise<TestSite> {
  const root = await mkdtemp(path.join(tmpdir(), 'cache-digest-site-'));
  for (const [name, content] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  const site = new StaticSite({ root });
  const list: PageAsset[] = [];
  for (const [url, as, extra] of KINDS) {
    const file = await site.resolve(url);
    if (!file) throw new Error(`test site: ${url} does not resolve`);
    list.push({ url, as, type: file.contentType, size: file.size, etag: file.etag, ...extra });
  }
  const css = list[0]!;
  return {
    root,
    site,
    pages: { '/index.html': list, '/about/index.html': [css] },
    assets: new Map(list.map((asset) => [asset.url, asset])),
    pageBody: TEST_PAGE_BODY,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
