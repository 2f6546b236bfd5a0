import { PushStreamWriter, PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';
import type { CacheDigestWorkerOptions } from '../src/sw/options.ts';
import { navigationRequestSignals } from '../src/sw/preload-header-value.ts';
import { startCraftedServer, type CraftedHandler, type CraftedServer } from './crafted-server.ts';

/** One asset of a {@link startStreamSite} site. */
export interface StreamSiteAsset {
  type: string;
  body: string;
}

/** What {@link startStreamSite} serves. */
export interface StreamSiteOptions {
  /** Asset path -> content; each is also served on its own, and every one is a part of the stream for `/`. */
  assets: Record<string, StreamSiteAsset>;
  /** The HTML of `/`, sent as the stream's page part. */
  page: string;
  /** The assets' Cache-Control. */
  cacheControl: string;
  /** Which parts come first; the others follow `delayMs` later. */
  first: 'assets' | 'page';
  delayMs: number;
  /** Options built into the worker. */
  workerOptions?: CacheDigestWorkerOptions;
  /** Other paths the server answers (return false for a 404). */
  extra?: CraftedHandler;
}

const encode = (text: string) => new TextEncoder().encode(text);

/**
 * A crafted HTTP/2 site for the worker's push-stream tests: `/install`
 * registers the worker, each asset is served on its own, and a navigation
 * to `/` that accepts push streams gets one carrying every asset and the
 * page, in the order asked for.
 */
export function startStreamSite(options: StreamSiteOptions): Promise<CraftedServer> {
  const paths = Object.keys(options.assets);
  const headersOf = (path: string) => ({
    'content-type': options.assets[path]!.type,
    'content-length': String(encode(options.assets[path]!.body).length),
    'cache-control': options.cacheControl,
    etag: `"${path.slice(1)}-1"`,
  });
  return startCraftedServer((request, response) => {
    const path = request.url;
    if (path === '/install') {
      response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' });
      response.end('<!doctype html><script src="/cache-digest.js" async></script><h1>install</h1>');
      return true;
    }
    const asset = options.assets[path];
    if (asset) {
      response.writeHead(200, headersOf(path));
      response.end(asset.body);
      return true;
    }
    if (path !== '/' || navigationRequestSignals(request.headers).acceptPushStream !== '1') return options.extra?.(request, response) ?? false;
    const writer = new PushStreamWriter();
    response.writeHead(200, { 'content-type': PUSH_STREAM_CONTENT_TYPE, 'push-stream-urls': paths.join(', '), 'cache-control': 'private, no-store' });
    const writeAssets = () =>
      paths.forEach((url, index) => {
        response.write(writer.head(index + 1, { url, status: 200, headers: headersOf(url), role: 'asset' }));
        response.write(writer.data(index + 1, encode(options.assets[url]!.body)));
        response.write(writer.end(index + 1));
      });
    const writePage = () => {
      response.write(writer.head(0, { url: '/', status: 200, headers: { 'content-type': 'text/html' }, role: 'page' }));
      response.write(writer.data(0, encode(options.page)));
      response.write(writer.end(0));
    };
    (options.first === 'assets' ? writeAssets : writePage)();
    setTimeout(() => {
      (options.first === 'assets' ? writePage : writeAssets)();
      response.end(writer.fin());
    }, options.delayMs);
    return true;
  }, options.workerOptions);
}
