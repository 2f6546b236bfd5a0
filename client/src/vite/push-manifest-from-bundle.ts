import { contentEtag, type ManifestAsset, type PushManifest } from '@cache-digest/shared';
import type { Rollup } from 'vite';

export type { PushManifest };

const TYPES: Record<string, [ManifestAsset['as'], string]> = {
  css: ['style', 'text/css'],
  js: ['script', 'text/javascript'],
  mjs: ['script', 'text/javascript'],
  woff2: ['font', 'font/woff2'],
  woff: ['font', 'font/woff'],
  ttf: ['font', 'font/ttf'],
  otf: ['font', 'font/otf'],
  png: ['image', 'image/png'],
  jpg: ['image', 'image/jpeg'],
  jpeg: ['image', 'image/jpeg'],
  gif: ['image', 'image/gif'],
  webp: ['image', 'image/webp'],
  avif: ['image', 'image/avif'],
  svg: ['image', 'image/svg+xml'],
  ico: ['image', 'image/x-icon'],
  json: ['fetch', 'application/json'],
  wasm: ['fetch', 'application/wasm'],
};
const ORDER: Record<ManifestAsset['as'], number> = { style: 0, script: 1, font: 2, image: 3, fetch: 4 };

/** References in built HTML: stylesheets, module scripts, preloads, images and icons. */
const HTML_REFERENCE = /<(?:link|script|img)\b[^>]*?\s(?:href|src)\s*=\s*["']([^"']+)["'][^>]*>/gi;

interface ViteChunkMetadata {
  importedCss?: Set<string>;
  importedAssets?: Set<string>;
}

const encoder = new TextEncoder();

/** The bytes of an emitted file, as written to disk. */
function bytesOf(file: Rollup.OutputChunk | Rollup.OutputAsset): Uint8Array {
  if (file.type === 'chunk') return encoder.encode(file.code);
  return typeof file.source === 'string' ? encoder.encode(file.source) : file.source;
}

/** Options of {@link pushManifestFromBundle}. */
export interface PushManifestFromBundleOptions {
  /**
   * Route pattern -> the built HTML page (file name in the output, `post.html`) whose assets it gets: for a
   * server that renders those paths from that page (docs/push-manifest.md, Routes).
   */
  routes?: Record<string, string>;
}

const PARAM_SEGMENT = /^\[([A-Za-z_][A-Za-z0-9_]*)\]$/;
const REST_SEGMENT = /^\[\.\.\.([A-Za-z_][A-Za-z0-9_]*)\]$/;

/**
 * The route pattern of a page file named with brackets (the multi-page
 * convention): `posts/[slug].html` -> `posts/:slug`, `posts/[slug]/index.html`
 * -> `posts/:slug/`, `docs/[...path].html` -> `docs/*`; undefined for any other name.
 */
function routeOfHtmlFile(fileName: string): string | undefined {
  const segments = fileName.replace(/\.html$/, '').split('/');
  if (segments.at(-1) === 'index') segments[segments.length - 1] = '';
  if (!segments.some((segment) => PARAM_SEGMENT.test(segment) || REST_SEGMENT.test(segment))) return undefined;
  const out: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const rest = REST_SEGMENT.exec(segment);
    if (rest) {
      // `*` only ends a pattern: `[...path]/index.html` is the same route.
      if (index < segments.length - 1 && !(index === segments.length - 2 && segments.at(-1) === '')) return undefined;
      out.push('*');
      break;
    }
    const param = PARAM_SEGMENT.exec(segment);
    if (param) out.push(`:${param[1]}`);
    else if (/[[\]:*]/.test(segment)) return undefined;
    else out.push(segment);
  }
  return out.join('/');
}

/**
 * Builds the push manifest of a Vite build from its output bundle: for each
 * HTML page, the files it references, followed through Vite's chunk graph
 * (static imports, imported CSS and assets, the data of Vite's build
 * manifest) and ordered styles, scripts (imports first), fonts, images. ETags
 * are `contentEtag()` of the emitted bytes, as the static server computes them.
 * Pages named with brackets (`posts/[slug].html`, `docs/[...path].html`)
 * become routes (`/posts/:slug`, `/docs/*`), and so do the `routes` given;
 * with any route the manifest is version 2.
 */
export function pushManifestFromBundle(bundle: Rollup.OutputBundle, base = '/', options: PushManifestFromBundleOptions = {}): PushManifest {
  const prefix = base.endsWith('/') ? base : `${base}/`;
  const assetsOf = new Map<string, ManifestAsset>();
  const describe = (fileName: string): ManifestAsset | undefined => {
    const cached = assetsOf.get(fileName);
    if (cached) return cached;
    const file = bundle[fileName];
    if (!file) return undefined;
    const extension = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
    const [as, type] = TYPES[extension] ?? (['fetch', 'application/octet-stream'] as const);
    const bytes = bytesOf(file);
    const asset: ManifestAsset = { url: prefix + fileName, as, type, size: bytes.byteLength, etag: contentEtag(bytes) };
    if (as === 'script' && file.type === 'chunk') asset.module = true;
    if (as === 'font' || asset.module) asset.crossorigin = true;
    assetsOf.set(fileName, asset);
    return asset;
  };

  const pages: Record<string, ManifestAsset[]> = {};
  const routes: Record<string, ManifestAsset[]> = {};
  const byFile = new Map<string, ManifestAsset[]>();
  for (const file of Object.values(bundle)) {
    if (file.type !== 'asset' || !file.fileName.endsWith('.html')) continue;
    const html = typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source);
    const ordered: string[] = [];
    const seen = new Set<string>();
    const corsTagged = new Set<string>();
    // Depth-first, imports before importers, so scripts come in dependency order.
    const visit = (fileName: string): void => {
      if (seen.has(fileName) || !bundle[fileName]) return;
      seen.add(fileName);
      const target = bundle[fileName]!;
      if (target.type === 'chunk') {
        for (const imported of target.imports) visit(imported);
        const metadata = (target as { viteMetadata?: ViteChunkMetadata }).viteMetadata;
        for (const css of metadata?.importedCss ?? []) visit(css);
        for (const asset of metadata?.importedAssets ?? []) visit(asset);
      }
      ordered.push(fileName);
    };
    for (const match of html.matchAll(HTML_REFERENCE)) {
      const reference = match[1]!;
      if (!reference.startsWith(prefix) || reference.startsWith('//')) continue; // other origins and relative oddities
      const fileName = decodeURI(reference.slice(prefix.length).split(/[?#]/)[0]!);
      if (fileName.endsWith('.html')) continue;
      // Vite marks its tags `crossorigin`: a hint must use the same mode to be reused.
      if (/\scrossorigin\b/i.test(match[0])) corsTagged.add(fileName);
      visit(fileName);
    }
    const assets = ordered
      .map((fileName) => {
        const asset = describe(fileName);
        return asset && corsTagged.has(fileName) && !asset.crossorigin ? { ...asset, crossorigin: true } : asset;
      })
      .filter((asset): asset is ManifestAsset => asset !== undefined);
    // Stable sort: within a kind, the dependency order found above stays.
    assets.sort((a, b) => ORDER[a.as] - ORDER[b.as]);
    const route = routeOfHtmlFile(file.fileName);
    if (route === undefined) pages[prefix + file.fileName] = assets;
    else routes[prefix + route] = assets;
    byFile.set(file.fileName, assets);
  }
  for (const [pattern, fileName] of Object.entries(options.routes ?? {})) {
    const assets = byFile.get(fileName.replace(/^\//, ''));
    if (!assets) throw new Error(`cache-digest: routes[${JSON.stringify(pattern)}] names ${JSON.stringify(fileName)}, which is no HTML page of this build`);
    routes[pattern] = assets;
  }
  return Object.keys(routes).length === 0 ? { version: 1, pages } : { version: 2, pages, routes };
}
