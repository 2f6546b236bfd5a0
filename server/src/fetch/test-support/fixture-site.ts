import { createFetchHandler, memorySite, originSource, type FetchHandler, type MemoryFile, type PageAsset } from '../index.ts';
import { contentEtag } from '@cache-digest/shared';

const encoder = new TextEncoder();
const css = 'body { color: rgb(1, 2, 3); }\n';
const js = 'console.log("app");\n';
const font = 'x'.repeat(3000);
const page = '<!doctype html><title>fixture</title><link rel="stylesheet" href="/app.css"><script src="/app.js"></script>\n';

/** The fixture's files, served by the memory site and by the test origin. */
export const FIXTURE_FILES: Record<string, MemoryFile> = {
  '/index.html': { body: page, type: 'text/html; charset=utf-8' },
  '/app.css': { body: css, type: 'text/css; charset=utf-8' },
  '/app.js': { body: js, type: 'text/javascript; charset=utf-8' },
  '/font.woff2': { body: font, type: 'font/woff2' },
};

/** A page with one larger text asset (two compressed pieces) and a font that compression does not shrink. */
export const BIG_FILES: Record<string, MemoryFile> = {
  '/big.html': { body: '<!doctype html><title>big</title><script src="/lib.js"></script>\n'.repeat(40), type: 'text/html; charset=utf-8' },
  '/lib.js': { body: Array.from({ length: 4000 }, (_, i) => `export function f${i}(x) { return x * ${i % 89} + "${(i * 7919) % 1000}"; }\n`).join(''), type: 'text/javascript; charset=utf-8' },
};

/**
 * A page whose two modules have pieces files made at build time (`PrebuiltPieces`): `/pre.js`'s matches it,
 * `/stale.js`'s was made from an older build.
 */
export const PRE_FILES: Record<string, MemoryFile> = {
  '/pre.html': { body: '<!doctype html><title>pre</title><script type="module" src="/pre.js"></script>\n', type: 'text/html; charset=utf-8' },
  '/pre.js': { body: preModule('pre', 1500), type: 'text/javascript; charset=utf-8' },
  '/stale.js': { body: preModule('stale', 200), type: 'text/javascript; charset=utf-8' },
};

/** The module bodies of {@link PRE_FILES}; `stale.js` as its pieces file was built (an older version). */
export function preModule(name: string, lines: number, version = 2): string {
  return Array.from({ length: lines }, (_, i) => `export function ${name}${i}(x) { return x * ${i % 89} + "${(i * 7919) % 1000}"; }\n`).join('') + `export const version = ${version};\n`;
}

/** Pieces files (site path -> base64), as a build step writes them; passed to the runtime in `PIECES` (JSON). */
export type PrebuiltPieces = Record<string, string>;

function asset(url: string, as: string): PageAsset {
  const file = FIXTURE_FILES[url] ?? BIG_FILES[url] ?? PRE_FILES[url]!;
  const body = typeof file.body === 'string' ? encoder.encode(file.body) : file.body;
  return { url, as, type: file.type, size: body.byteLength, etag: contentEtag(body) };
}

/** The page assets of every fixture page, in delivery order. */
export const FIXTURE_ASSETS: PageAsset[] = [asset('/app.css', 'style'), asset('/app.js', 'script'), asset('/font.woff2', 'font')];

/** The assets of `/big.html`. */
export const BIG_ASSETS: PageAsset[] = [asset('/lib.js', 'script'), asset('/font.woff2', 'font')];

/** Pages of the manifest: the memory site's `/` and `/big.html`, and the origin's pages (each origin route misbehaves its own way). */
const PAGES = {
  ...Object.fromEntries(['/index.html', '/slow/index.html', '/fail/index.html', '/hang/index.html', '/reset/index.html'].map((page) => [page, FIXTURE_ASSETS])),
  '/big.html': BIG_ASSETS,
  '/pre.html': [asset('/pre.js', 'script'), asset('/stale.js', 'script')],
};

/**
 * The handlers every runtime test drives: `x-fixture: origin` selects the
 * proxy in front of `origin` (head timeout 1.5 s), anything else the
 * bundled memory site, with the pieces files `pieces` (JSON of
 * {@link PrebuiltPieces}); `x-fixture: compressions` answers how many asset
 * bodies the site's handlers deflated so far. `x-fixture-mode` picks the
 * delivery mode.
 */
export function fixtureHandler(origin: string | undefined, pieces?: string): (request: Request) => Promise<Response> {
  const handlers = new Map<string, FetchHandler>();
  const files: Record<string, MemoryFile> = { ...FIXTURE_FILES, ...BIG_FILES, ...PRE_FILES };
  for (const [path, base64] of Object.entries(JSON.parse(pieces ?? '{}') as PrebuiltPieces)) {
    files[path] = { body: Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)), type: 'application/octet-stream' };
  }
  const site = memorySite(files);
  const proxy = origin ? originSource(origin, { timeoutMs: 1500 }) : undefined;
  return async (request) => {
    if (request.headers.get('x-fixture') === 'compressions') {
      let compressions = 0;
      for (const [key, handler] of handlers) if (key.startsWith('site')) compressions += handler.compressions;
      return new Response(String(compressions));
    }
    const kind = request.headers.get('x-fixture') === 'origin' && proxy ? 'origin' : 'site';
    const mode = (request.headers.get('x-fixture-mode') ?? 'auto') as 'auto' | 'stream' | 'hints' | 'links' | 'off';
    const key = `${kind} ${mode}`;
    let handler = handlers.get(key);
    if (!handler) {
      const source = kind === 'origin' ? proxy! : site;
      handler = createFetchHandler({ pages: PAGES, mode, assets: source, log: false, prebuiltPieces: kind === 'site' });
      handlers.set(key, handler);
    }
    return handler(request);
  };
}
