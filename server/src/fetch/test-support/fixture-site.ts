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

function asset(url: string, as: string): PageAsset {
  const file = FIXTURE_FILES[url] ?? BIG_FILES[url]!;
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
};

/**
 * The handlers every runtime test drives: `x-fixture: origin` selects the
 * proxy in front of `origin` (head timeout 1.5 s), anything else the
 * bundled memory site. `x-fixture-mode` picks the delivery mode.
 */
export function fixtureHandler(origin: string | undefined): (request: Request) => Promise<Response> {
  const handlers = new Map<string, FetchHandler>();
  const site = memorySite({ ...FIXTURE_FILES, ...BIG_FILES });
  const proxy = origin ? originSource(origin, { timeoutMs: 1500 }) : undefined;
  return (request) => {
    const kind = request.headers.get('x-fixture') === 'origin' && proxy ? 'origin' : 'site';
    const mode = (request.headers.get('x-fixture-mode') ?? 'auto') as 'auto' | 'stream' | 'hints' | 'links' | 'off';
    const key = `${kind} ${mode}`;
    let handler = handlers.get(key);
    if (!handler) {
      const source = kind === 'origin' ? proxy! : site;
      handler = createFetchHandler({ pages: PAGES, mode, assets: source, log: false });
      handlers.set(key, handler);
    }
    return handler(request);
  };
}
