// Deno: `deno run --allow-net --allow-read --allow-env main.ts ./dist` serves a
// built site (with its push-manifest.json) with digest-driven delivery.
// Set ORIGIN=https://your-site.example to front an existing site instead.
import { createFetchHandler, memorySite, originSource, type MemoryFile, type PageAsset } from '@cache-digest/server/fetch';

declare const Deno: {
  args: string[];
  env: { get(name: string): string | undefined };
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  readDir(path: string): AsyncIterable<{ name: string; isFile: boolean; isDirectory: boolean }>;
  serve(options: { port: number; hostname?: string; onListen?(address: { port: number }): void }, handler: (request: Request) => Promise<Response>): unknown;
};

const root = Deno.args[0] ?? './dist';
const origin = Deno.env.get('ORIGIN');
const manifest = JSON.parse(await Deno.readTextFile(`${root}/push-manifest.json`)) as { pages: Record<string, PageAsset[]>; routes?: Record<string, PageAsset[]> };

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8',
  json: 'application/json', svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', woff2: 'font/woff2', ico: 'image/x-icon',
};

/** The site's files, read once into memory (a site of a few MB; use a function source for larger ones). */
async function readSite(dir: string, prefix = ''): Promise<Record<string, MemoryFile>> {
  const files: Record<string, MemoryFile> = {};
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}/${entry.name}`;
    if (entry.isDirectory) Object.assign(files, await readSite(`${dir}/${entry.name}`, path));
    else if (entry.isFile) files[path] = { body: await Deno.readFile(`${dir}/${entry.name}`), type: TYPES[entry.name.split('.').pop() ?? ''] ?? 'application/octet-stream' };
  }
  return files;
}

const handler = createFetchHandler({
  pages: manifest.pages,
  ...(manifest.routes ? { routes: manifest.routes } : {}),
  assets: origin ? originSource(origin) : memorySite(await readSite(root)),
});

Deno.serve({ port: Number(Deno.env.get('PORT') ?? 8000), onListen: ({ port }) => console.log(`cache-digest: listening on http://localhost:${port}/`) }, handler);
