import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { contentEtag } from '@cache-digest/shared';
import { ByteCache } from '../static/byte-cache.ts';
import { mediaTypeEssence, negotiateEncoding, type StaticFile, type StaticRequest, type StaticResponse, type StaticSite } from '../static/index.ts';
import { etagPreconditions } from './etag-preconditions.ts';
import { insertLoaderTag } from './insert-loader-tag.ts';

/** Options of {@link LoaderInjector}. */
export interface LoaderInjectorOptions {
  /** Path of the loader script (`/cache-digest.js`). */
  loaderPath: string;
  /** gzip / brotli the pages for clients that accept them (default true, as {@link StaticSite}). */
  compress?: boolean;
}

// Memory for injected pages and their compressed variants.
const PAGE_CACHE_BYTES = 32 * 1024 * 1024;
const MAX_ETAGS = 10_000;
// Below this, compression saves less than its headers cost.
const MIN_COMPRESS_BYTES = 256;
const brotliCompress = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/**
 * Serves a {@link StaticSite} with the loader's script tag added to every
 * HTML page that lacks it (before `</head>`), so that any static site gets
 * the Service Worker without editing its pages. An injected page gets its
 * own content ETag (so a browser's copy of the page without the tag is never
 * revalidated as current), a matching Content-Length, no Last-Modified, and
 * no ranges (a Range request gets the whole page). Everything else is the
 * site's own response.
 */
export class LoaderInjector {
  readonly #site: StaticSite;
  readonly #loaderPath: string;
  readonly #compress: boolean;
  readonly #bodies = new ByteCache(PAGE_CACHE_BYTES);
  // Original ETag -> the injected page's ETag, or '' when the page needs no injection.
  readonly #etags = new Map<string, string>();

  constructor(site: StaticSite, options: LoaderInjectorOptions) {
    this.#site = site;
    this.#loaderPath = options.loaderPath;
    this.#compress = options.compress ?? true;
  }

  /** The response to a request, as {@link StaticSite.handle} but with the loader in HTML pages. Never throws. */
  async handle(request: StaticRequest): Promise<StaticResponse> {
    try {
      if (request.method === 'GET' || request.method === 'HEAD') {
        const file = await this.#site.resolve(request.path);
        if (file && mediaTypeEssence(file.contentType) === 'text/html') {
          const page = await this.#injected(file);
          if (page) return await this.#respond(request, file, page);
        }
      }
    } catch {
      // The file changed or vanished meanwhile: the site's own answer is consistent.
    }
    return this.#site.handle(request);
  }

  async #respond(request: StaticRequest, file: StaticFile, page: { body: Uint8Array; etag: string }): Promise<StaticResponse> {
    const validators: Record<string, string> = {
      etag: page.etag,
      'cache-control': file.cacheControl,
      ...(this.#compress ? { vary: 'accept-encoding' } : {}),
    };
    const precondition = etagPreconditions(request.headers, page.etag);
    if (precondition === 'not-modified') return { status: 304, headers: validators, body: null };
    if (precondition === 'failed') return { status: 412, headers: { 'content-length': '0', 'cache-control': 'no-store' }, body: null };
    const coding = this.#compress ? negotiateEncoding(request.headers['accept-encoding']) : 'identity';
    const encoded = coding === 'identity' ? null : await this.#encoded(page, coding);
    const body = encoded ?? page.body;
    return {
      status: 200,
      headers: {
        ...validators,
        'content-type': file.contentType,
        'content-length': String(body.byteLength),
        'x-content-type-options': 'nosniff',
        ...(encoded ? { 'content-encoding': coding } : {}),
      },
      body: request.method === 'HEAD' ? null : body,
    };
  }

  /** The page with the loader tag and its ETag; null when the page has the tag already (or no place for it). */
  async #injected(file: StaticFile): Promise<{ body: Uint8Array; etag: string } | null> {
    const known = this.#etags.get(file.etag);
    if (known === '') return null;
    const cached = known === undefined ? undefined : this.#bodies.get(known);
    if (known !== undefined && cached) return { body: cached, etag: known };
    const body = insertLoaderTag(await this.#site.read(file), this.#loaderPath);
    const etag = body ? contentEtag(body) : '';
    if (this.#etags.size >= MAX_ETAGS) this.#etags.delete(this.#etags.keys().next().value!);
    this.#etags.set(file.etag, etag);
    if (!body) return null;
    this.#bodies.set(etag, body);
    return { body, etag };
  }

  /** The page compressed with `coding`, cached; null when that does not make it smaller. */
  async #encoded(page: { body: Uint8Array; etag: string }, coding: 'br' | 'gzip'): Promise<Uint8Array | null> {
    if (page.body.byteLength < MIN_COMPRESS_BYTES) return null;
    const key = `${page.etag}|${coding}`;
    const cached = this.#bodies.get(key);
    // An empty entry records that compression did not help.
    if (cached) return cached.byteLength === 0 ? null : cached;
    const compressed = new Uint8Array(
      coding === 'br'
        ? await brotliCompress(page.body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: page.body.byteLength } })
        : await gzip(page.body, { level: 9 }),
    );
    const result = compressed.byteLength < page.body.byteLength ? compressed : new Uint8Array(0);
    this.#bodies.set(key, result);
    return result.byteLength === 0 ? null : result;
  }
}
