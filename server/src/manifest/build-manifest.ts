import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { mediaTypeEssence } from '../static/content-type.ts';
import { StaticSite } from '../static/static-site.ts';
import type { StaticFile } from '../static/types.ts';
import { formatUrlPath } from '../static/url-path.ts';
import { scanCss } from './css-scanner.ts';
import { scanHtml } from './html-scanner.ts';
import { scanModuleImports } from './js-import-scanner.ts';
import { pageReferences } from './page-references.ts';
import type { AssetDestination, ManifestAsset, PushManifest } from './types.ts';
import { MAX_ASSETS_PER_PAGE } from './validate-manifest.ts';

/** Options for {@link buildManifest}. */
export interface BuildManifestOptions {
  /** The StaticSite that will serve the folder (its sizes and ETags are used); one is created when omitted. */
  site?: StaticSite;
}

// URLs are resolved against this stand-in origin: anything that ends up elsewhere is cross-origin.
const SITE_ORIGIN = 'https://site.invalid';
const MAX_WALK_ENTRIES = 200_000;
const MAX_WALK_DEPTH = 64;
// Files larger than this are listed but not read for references.
const MAX_SCAN_BYTES = 8 * 1024 * 1024;
const MAX_GRAPH_DEPTH = 512;
const HTML_FILE = /\.html?$/i;
const FONT_TYPES = /^font\/|^application\/(font-|x-font-|vnd\.ms-fontobject)/;
const CSS_TYPE = 'text/css';
const JS_TYPES = new Set(['text/javascript', 'application/javascript']);

/** The HTML files under `root` as URL paths, sorted; dot-folders and node_modules skipped. */
async function findPages(root: string): Promise<string[]> {
  const pages: string[] = [];
  let visited = 0;
  const walk = async (segments: string[]): Promise<void> => {
    if (segments.length > MAX_WALK_DEPTH) return;
    let entries;
    try {
      entries = await readdir(path.join(root, ...segments), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (++visited > MAX_WALK_ENTRIES) return;
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      // Symlinked folders are not followed (they may loop or leave the root).
      if (entry.isDirectory()) await walk([...segments, entry.name]);
      else if ((entry.isFile() || entry.isSymbolicLink()) && HTML_FILE.test(entry.name)) pages.push(formatUrlPath([...segments, entry.name]));
    }
  };
  await walk([]);
  return pages;
}

/** `reference` resolved against `base`, as path + query on the site's own origin; null for other origins, data: URLs and the like. */
function resolveReference(reference: string, base: URL): string | null {
  let url: URL;
  try {
    url = new URL(reference.trim(), base);
  } catch {
    return null;
  }
  if (url.origin !== SITE_ORIGIN) return null;
  return url.pathname + url.search;
}

/** Collects one page's assets into the four ordered groups the manifest schema requires. */
class PageAssets {
  readonly #site: StaticSite;
  readonly #texts: Map<string, Promise<string | null>>;
  readonly #seen = new Set<string>();
  readonly #groups: Record<'style' | 'script' | 'font' | 'image' | 'fetch', ManifestAsset[]> = {
    style: [],
    script: [],
    font: [],
    image: [],
    fetch: [],
  };
  #count = 0;

  constructor(site: StaticSite, texts: Map<string, Promise<string | null>>, pageUrl: string) {
    this.#site = site;
    this.#texts = texts;
    this.#seen.add(pageUrl);
  }

  /** Assets in manifest order: styles, scripts, fonts, images, then other fetches. */
  list(): ManifestAsset[] {
    const g = this.#groups;
    return [...g.style, ...g.script, ...g.font, ...g.image, ...g.fetch];
  }

  /** A stylesheet: its @imports first (post-order), then itself, then the fonts and images it references. */
  async addStyle(url: string, crossorigin: boolean, scan: boolean, depth = 0): Promise<void> {
    const file = await this.#claim(url);
    if (!file) return;
    const text = scan && depth < MAX_GRAPH_DEPTH && mediaTypeEssence(file.contentType) === CSS_TYPE ? await this.#text(file) : null;
    const base = new URL(url, SITE_ORIGIN);
    const references = text === null ? { imports: [], urls: [] } : scanCss(text);
    for (const imported of references.imports) {
      const target = resolveReference(imported, base);
      if (target) await this.addStyle(target, crossorigin, true, depth + 1);
    }
    this.#push(file, url, 'style', { crossorigin });
    await this.addCssUrls(references.urls, base);
  }

  /** `url()` references of a stylesheet: fonts and images, by the content type the server will send. */
  async addCssUrls(urls: readonly string[], base: URL): Promise<void> {
    for (const reference of urls) {
      const target = resolveReference(reference, base);
      if (!target || this.#seen.has(target)) continue;
      const file = await this.#site.resolve(target);
      if (!file) continue;
      const type = mediaTypeEssence(file.contentType);
      if (FONT_TYPES.test(type)) {
        this.#seen.add(target);
        this.#push(file, target, 'font', { crossorigin: true });
      } else if (type.startsWith('image/')) {
        this.#seen.add(target);
        this.#push(file, target, 'image', {});
      }
    }
  }

  /** A script; for a module, its static imports first (dependency order), transitively. */
  async addScript(url: string, module: boolean, crossorigin: boolean, scan: boolean, depth = 0): Promise<void> {
    const file = await this.#claim(url);
    if (!file) return;
    if (module && scan) await this.addModuleImports(file, new URL(url, SITE_ORIGIN), depth);
    this.#push(file, url, 'script', { module, crossorigin: crossorigin || module });
  }

  /** The static imports of a module file (or of inline module text), each added before the importer. */
  async addModuleImports(source: StaticFile | string, base: URL, depth = 0): Promise<void> {
    if (depth >= MAX_GRAPH_DEPTH) return;
    if (typeof source !== 'string' && !JS_TYPES.has(mediaTypeEssence(source.contentType))) return;
    const text = typeof source === 'string' ? source : await this.#text(source);
    if (text === null) return;
    for (const specifier of scanModuleImports(text)) {
      // Bare specifiers need an import map and full URLs are other origins: only paths are followed.
      if (!/^(\.{0,2}\/)/.test(specifier)) continue;
      const target = resolveReference(specifier, base);
      if (target) await this.addScript(target, true, true, true, depth + 1);
    }
  }

  /** Any other asset (preloaded font, image, fetch). */
  async addPlain(url: string, as: AssetDestination, crossorigin: boolean): Promise<void> {
    const file = await this.#claim(url);
    if (file) this.#push(file, url, as, { crossorigin: crossorigin || as === 'font' });
  }

  /** Marks `url` as seen and resolves it; null when it was seen already, is missing, or is a page. */
  async #claim(url: string): Promise<StaticFile | null> {
    if (this.#seen.has(url)) return null;
    this.#seen.add(url);
    const file = await this.#site.resolve(url);
    if (!file || mediaTypeEssence(file.contentType) === 'text/html') return null;
    return file;
  }

  #push(file: StaticFile, url: string, as: AssetDestination, flags: { module?: boolean; crossorigin?: boolean }): void {
    if (this.#count >= MAX_ASSETS_PER_PAGE) return;
    this.#count++;
    const asset: ManifestAsset = { url, as, type: mediaTypeEssence(file.contentType), size: file.size, etag: file.etag };
    if (flags.module) asset.module = true;
    if (flags.crossorigin) asset.crossorigin = true;
    this.#groups[as].push(asset);
  }

  /** A file's text (UTF-8), shared between pages; null when too large or unreadable. */
  #text(file: StaticFile): Promise<string | null> {
    const key = `${file.filePath}|${file.etag}`;
    let text = this.#texts.get(key);
    if (!text) {
      text =
        file.size > MAX_SCAN_BYTES
          ? Promise.resolve(null)
          : this.#site.read(file).then(
              (bytes) => new TextDecoder().decode(bytes),
              () => null,
            );
      this.#texts.set(key, text);
    }
    return text;
  }
}

/**
 * Builds a push manifest for any static folder: every HTML page's
 * stylesheets (imported sheets first), scripts in dependency order (module
 * imports followed transitively, dynamic `import()` not), fonts, then images,
 * with sizes and content ETags as the StaticSite serves them. Cross-origin,
 * `data:` and missing URLs are left out.
 */
export async function buildManifest(root: string, options: BuildManifestOptions = {}): Promise<PushManifest> {
  const site = options.site ?? new StaticSite({ root });
  const texts = new Map<string, Promise<string | null>>();
  const pages: Record<string, ManifestAsset[]> = {};
  for (const pageUrl of await findPages(path.resolve(root))) {
    const pageFile = await site.resolve(pageUrl);
    if (!pageFile || pageFile.size > MAX_SCAN_BYTES) continue;
    let html: string;
    try {
      html = new TextDecoder().decode(await site.read(pageFile));
    } catch {
      continue;
    }
    const { base: baseHref, references } = pageReferences(scanHtml(html));
    const pageBase = new URL(pageUrl, SITE_ORIGIN);
    let base = pageBase;
    if (baseHref !== undefined) {
      // An unparsable <base> is ignored. One on another origin is kept: the
      // relative references then resolve cross-origin and resolveReference drops them.
      try {
        base = new URL(baseHref, pageBase);
      } catch {
        base = pageBase;
      }
    }
    const assets = new PageAssets(site, texts, pageUrl);
    for (const reference of references) {
      if (reference.kind === 'inline-style') {
        const css = scanCss(reference.text);
        for (const imported of css.imports) {
          const target = resolveReference(imported, base);
          if (target) await assets.addStyle(target, false, true);
        }
        await assets.addCssUrls(css.urls, base);
      } else if (reference.kind === 'inline-module') {
        await assets.addModuleImports(reference.text, base);
      } else {
        const url = resolveReference(reference.url, base);
        if (!url) continue;
        if (reference.as === 'style') await assets.addStyle(url, reference.crossorigin, reference.scan);
        else if (reference.as === 'script') await assets.addScript(url, reference.module, reference.crossorigin, reference.scan);
        else await assets.addPlain(url, reference.as, reference.crossorigin);
      }
    }
    pages[pageUrl] = assets.list();
  }
  return { version: 1, pages };
}
