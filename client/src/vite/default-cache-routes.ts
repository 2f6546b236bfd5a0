/**
 * The worker's default `cacheRoutes` for a Vite build (docs/cache-routes.md):
 * the scripts and stylesheets Vite writes, content-hashed, under
 * `build.assetsDir`. None when the base is not a path on the site
 * (a CDN URL, or relative) or the assets sit at the root beside unhashed files.
 */
export function defaultCacheRoutes(base: string, assetsDir: string): string[] {
  const dir = assetsDir.replace(/^\/+|\/+$/g, '');
  if (!base.startsWith('/') || dir === '' || /[*:(){}?+\\]/.test(base + dir)) return [];
  const prefix = `${base.endsWith('/') ? base : `${base}/`}${dir}/`;
  return [`${prefix}*.js`, `${prefix}*.css`];
}

/** The files of a build that the routes would serve from the cache although their names carry no content hash. */
export function unhashedRoutedFiles(fileNames: readonly string[], hashed: readonly string[], assetsDir: string): string[] {
  const dir = `${assetsDir.replace(/^\/+|\/+$/g, '')}/`;
  const known = new Set(hashed);
  return fileNames.filter((name) => name.startsWith(dir) && /\.(js|css)$/.test(name) && !known.has(name));
}
