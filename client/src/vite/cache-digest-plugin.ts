import type { Plugin, ResolvedConfig } from 'vite';
import { LOADER_PATH, WORKER_PATH } from '../paths.ts';
import type { CacheDigestWorkerOptions } from '../sw/options.ts';
import { bundleClientFiles, type ClientFiles } from './bundle-client-files.ts';
import { contentHashedFiles } from './content-hashed-files.ts';
import { pushManifestFromBundle } from './push-manifest-from-bundle.ts';

/** Options of {@link cacheDigest}. */
export interface CacheDigestPluginOptions {
  /** Settings built into the Service Worker (budget, P, timeouts). */
  worker?: CacheDigestWorkerOptions;
  /** File name of the push manifest in the output, or `false` for none. Default `push-manifest.json`. */
  manifestFileName?: string | false;
  /** Add the loader tag to every built HTML page. Default true. */
  injectLoader?: boolean;
  /**
   * Emit the loader and the kit's Service Worker. Default true; `false` for
   * a site running its own Workbox worker with `CacheDigestPlugin` (only the
   * push manifest is written, and no loader tag is added).
   */
  clientFiles?: boolean;
  /**
   * Route pattern -> built HTML page whose assets it gets (`{ '/posts/:slug': 'post.html' }`), written as the
   * manifest's `routes`; pages named with brackets (`posts/[slug].html`) become routes without this.
   */
  routes?: Record<string, string>;
}

const LOADER_TAG = /<script\b[^>]*\bsrc\s*=\s*["']\/cache-digest\.js["']/i;

/**
 * The Vite plugin: on `vite build`, adds `<script src="/cache-digest.js"
 * async>` to every HTML page, emits the loader and the Service Worker at the
 * site root, and writes the push manifest of every page with content-hash
 * ETags and the list of content-hashed files (`immutable`). Works for multi-page apps. Does nothing in the dev server.
 */
export function cacheDigest(options: CacheDigestPluginOptions = {}): Plugin {
  let files: Promise<ClientFiles> | undefined;
  let config: ResolvedConfig | undefined;
  const manifestFileName = options.manifestFileName ?? 'push-manifest.json';
  return {
    name: 'cache-digest',
    apply: 'build',
    enforce: 'post',
    configResolved(resolved) {
      config = resolved;
    },
    buildStart() {
      if (options.clientFiles === false) return;
      // Started early so bundling the worker overlaps the site's own build.
      files = bundleClientFiles(options.worker);
      files.catch(() => undefined);
    },
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        if (options.injectLoader === false || options.clientFiles === false || LOADER_TAG.test(html)) return html;
        return [{ tag: 'script', attrs: { src: LOADER_PATH, async: true }, injectTo: 'head' }];
      },
    },
    async generateBundle(outputOptions, bundle) {
      if (config?.build.ssr) return;
      if (options.clientFiles !== false) {
        const client = await (files ?? bundleClientFiles(options.worker));
        this.emitFile({ type: 'asset', fileName: LOADER_PATH.slice(1), source: client.loader });
        this.emitFile({ type: 'asset', fileName: WORKER_PATH.slice(1), source: client.worker });
      }
      if (manifestFileName === false) return;
      const manifest = pushManifestFromBundle(bundle, config?.base ?? '/', options.routes ? { routes: options.routes } : {});
      // Content-hashed files, known from the output's naming patterns: the server serves exactly these `immutable`.
      const prefix = (config?.base ?? '/').endsWith('/') ? (config?.base ?? '/') : `${config?.base}/`;
      manifest.immutable = contentHashedFiles(bundle, outputOptions).map((fileName) => encodeURI(prefix + fileName));
      this.emitFile({ type: 'asset', fileName: manifestFileName, source: `${JSON.stringify(manifest, null, 2)}\n` });
    },
  };
}
