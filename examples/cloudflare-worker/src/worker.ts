// A Cloudflare Worker that puts digest-driven delivery in front of a static
// site deployed as Workers Static Assets (the `ASSETS` binding): a navigation
// from the Service Worker gets the page and, in the same response, only the
// assets its Cache Digest lacks; any other client gets preload Links.
import { createFetchHandler, staticCacheControl, type FetchHandler, type PageAsset } from '@cache-digest/server/fetch';

interface Env {
  /** Workers Static Assets, with `run_worker_first` so that pages reach this worker. */
  ASSETS: { fetch(input: Request | URL | string): Promise<Response> };
}

let handler: Promise<FetchHandler | undefined> | undefined;

/** The push manifest is deployed with the site (the Vite plugin writes it): read once per isolate. */
async function load(env: Env, base: string): Promise<FetchHandler | undefined> {
  const response = await env.ASSETS.fetch(new URL('/push-manifest.json', base));
  if (!response.ok) return undefined;
  const manifest = (await response.json()) as { pages: Record<string, PageAsset[]>; routes?: Record<string, PageAsset[]>; immutable?: string[] };
  return createFetchHandler({
    pages: manifest.pages,
    ...(manifest.routes ? { routes: manifest.routes } : {}),
    // Workers Assets sends `max-age=0, must-revalidate`: assets get the Node static server's defaults.
    // The manifest's content-hashed files (the Vite plugin lists them) are the ones served `immutable`.
    assets: staticCacheControl((url, request) => env.ASSETS.fetch(request ?? url), manifest.immutable ? { listed: manifest.immutable } : {}),
    // Text assets' stream pieces from the `.pieces` files `npx cache-digest pieces public` wrote at build time: no
    // isolate spends CPU compressing them. Without those files, each version is compressed once per isolate.
    prebuiltPieces: true,
  });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    handler ??= load(env, request.url).catch(() => undefined);
    const ready = await handler;
    if (!ready) {
      handler = undefined; // try again on the next request
      return env.ASSETS.fetch(request);
    }
    return ready(request);
  },
};
