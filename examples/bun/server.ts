// Bun: `bun server.ts ./dist` serves a built site (with its push-manifest.json)
// with digest-driven delivery; files are read from disk on demand.
// Set ORIGIN=https://your-site.example to front an existing site instead.
import { createFetchHandler, originSource, type AssetSource, type PageAsset } from '@cache-digest/server/fetch';

declare const Bun: {
  argv: string[];
  env: Record<string, string | undefined>;
  file(path: string): { exists(): Promise<boolean>; type: string; arrayBuffer(): Promise<ArrayBuffer>; json(): Promise<unknown> };
  serve(options: { port: number; fetch(request: Request): Promise<Response> }): { port: number };
};

const root = Bun.argv[2] ?? './dist';
const manifest = (await Bun.file(`${root}/push-manifest.json`).json()) as { pages: Record<string, PageAsset[]>; routes?: Record<string, PageAsset[]> };

/** A function source over the file system: only plain paths under `root`. */
const files: AssetSource = async (url, request) => {
  if (request && request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined; // malformed escape
  }
  if (path.includes('..') || path.includes('\0')) return undefined;
  if (path.endsWith('/')) path += 'index.html';
  const file = Bun.file(`${root}${path}`);
  if (!(await file.exists())) return undefined;
  const body = new Uint8Array(await file.arrayBuffer());
  return new Response(request?.method === 'HEAD' ? null : body, {
    headers: { 'content-type': file.type, 'content-length': String(body.byteLength), 'cache-control': path.endsWith('.html') ? 'no-cache' : 'public, max-age=3600' },
  });
};

const handler = createFetchHandler({ pages: manifest.pages, ...(manifest.routes ? { routes: manifest.routes } : {}), assets: Bun.env.ORIGIN ? originSource(Bun.env.ORIGIN) : files });
const server = Bun.serve({ port: Number(Bun.env.PORT ?? 3000), fetch: handler });
console.log(`cache-digest: listening on http://localhost:${server.port}/`);
