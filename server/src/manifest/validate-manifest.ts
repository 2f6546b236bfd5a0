import { parseRoutePattern, RoutePatternError } from '../routes/route-pattern.ts';
import { ManifestError } from './manifest-error.ts';
import { sameOriginPathProblem } from './same-origin-path.ts';
import { ASSET_DESTINATIONS, type AssetDestination, type ManifestAsset, type PushManifest } from './types.ts';

/** Most pages and assets per page a manifest may list. */
export const MAX_MANIFEST_PAGES = 100_000;
export const MAX_ASSETS_PER_PAGE = 10_000;
/** Most route patterns a manifest may list. */
export const MAX_MANIFEST_ROUTES = 10_000;
/** Most URL paths of the `immutable` list. */
export const MAX_IMMUTABLE_PATHS = 1_000_000;
const ETAG = /^(W\/)?"[\u0021\u0023-\u007e\u0080-\u00ff]*"$/;
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(message: string, where: string): never {
  throw new ManifestError('INVALID', message, where);
}

function validateAsset(value: unknown, where: string): ManifestAsset {
  if (!isObject(value)) invalid('an asset must be an object', where);
  const urlProblem = sameOriginPathProblem(value['url']);
  if (urlProblem) invalid(`asset url ${urlProblem}`, `${where}.url`);
  if (!ASSET_DESTINATIONS.includes(value['as'] as AssetDestination)) {
    invalid(`"as" must be one of ${ASSET_DESTINATIONS.join(', ')}`, `${where}.as`);
  }
  if (typeof value['type'] !== 'string' || value['type'].length > 256 || !CONTENT_TYPE.test(value['type'])) {
    invalid('"type" must be a content type such as "text/css"', `${where}.type`);
  }
  if (!Number.isSafeInteger(value['size']) || (value['size'] as number) < 0) {
    invalid('"size" must be a non-negative integer', `${where}.size`);
  }
  if (typeof value['etag'] !== 'string' || value['etag'].length > 256 || !ETAG.test(value['etag'])) {
    invalid('"etag" must be an entity tag with its quotes, such as "\\"abc\\""', `${where}.etag`);
  }
  for (const flag of ['module', 'crossorigin'] as const) {
    if (value[flag] !== undefined && typeof value[flag] !== 'boolean') invalid(`"${flag}" must be true or false`, `${where}.${flag}`);
  }
  const asset: ManifestAsset = {
    url: value['url'] as string,
    as: value['as'] as AssetDestination,
    type: value['type'] as string,
    size: value['size'] as number,
    etag: value['etag'] as string,
  };
  if (value['module'] === true) asset.module = true;
  if (value['crossorigin'] === true) asset.crossorigin = true;
  return asset;
}

function validateAssets(assets: unknown, where: string): ManifestAsset[] {
  if (!Array.isArray(assets)) invalid('a page must map to an array of assets', where);
  if (assets.length > MAX_ASSETS_PER_PAGE) invalid(`more than ${MAX_ASSETS_PER_PAGE} assets`, where);
  return assets.map((asset, index) => validateAsset(asset, `${where}[${index}]`));
}

/**
 * Checks a parsed JSON value against the push manifest schema (version 1,
 * or 2 with `routes`) and returns a clean copy; throws {@link ManifestError}
 * (`INVALID`) naming the first bad value. Cross-origin or relative URLs and
 * malformed route patterns are refused.
 */
export function validateManifest(value: unknown): PushManifest {
  if (!isObject(value)) invalid('a push manifest must be a JSON object', '$');
  const version = value['version'];
  if (version !== 1 && version !== 2) invalid('"version" must be 1 or 2', 'version');
  const pages = value['pages'];
  if (!isObject(pages)) invalid('"pages" must be an object mapping page paths to asset lists', 'pages');
  const entries = Object.entries(pages);
  if (entries.length > MAX_MANIFEST_PAGES) invalid(`more than ${MAX_MANIFEST_PAGES} pages`, 'pages');
  // Keys are checked to start with "/" before use, so none can be "__proto__".
  const result: Record<string, ManifestAsset[]> = {};
  for (const [page, assets] of entries) {
    const where = `pages[${JSON.stringify(page)}]`;
    const pageProblem = sameOriginPathProblem(page);
    if (pageProblem) invalid(`page key ${pageProblem}`, where);
    result[page] = validateAssets(assets, where);
  }
  const manifest: PushManifest = { version, pages: result };
  if (value['routes'] !== undefined) {
    if (version !== 2) invalid('"routes" needs "version": 2', 'routes');
    const routes = value['routes'];
    if (!isObject(routes)) invalid('"routes" must be an object mapping route patterns to asset lists', 'routes');
    const routeEntries = Object.entries(routes);
    if (routeEntries.length > MAX_MANIFEST_ROUTES) invalid(`more than ${MAX_MANIFEST_ROUTES} routes`, 'routes');
    // Patterns start with "/" (checked below), so none is "__proto__"; the object keeps the file's order, which breaks ties.
    const routeResult: Record<string, ManifestAsset[]> = {};
    for (const [pattern, assets] of routeEntries) {
      const where = `routes[${JSON.stringify(pattern)}]`;
      try {
        parseRoutePattern(pattern);
      } catch (error) {
        if (error instanceof RoutePatternError) invalid(error.message, where);
        throw error;
      }
      routeResult[pattern] = validateAssets(assets, where);
    }
    manifest.routes = routeResult;
  }
  const immutable = value['immutable'];
  if (immutable !== undefined) {
    if (!Array.isArray(immutable)) invalid('"immutable" must be an array of URL paths', 'immutable');
    if (immutable.length > MAX_IMMUTABLE_PATHS) invalid(`more than ${MAX_IMMUTABLE_PATHS} immutable paths`, 'immutable');
    immutable.forEach((entry, index) => {
      const problem = sameOriginPathProblem(entry);
      if (problem) invalid(`immutable path ${problem}`, `immutable[${index}]`);
    });
    manifest.immutable = [...(immutable as string[])];
  }
  return manifest;
}
