import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClientScripts, type ClientFiles } from '@cache-digest/client/scripts';
import { clientScriptsMiddleware } from './client-scripts-middleware.ts';

let server: Server;
let origin: string;
let files: ClientFiles;

beforeAll(async () => {
  files = await readClientScripts();
  const middleware = await clientScriptsMiddleware();
  server = createServer((req, res) =>
    middleware(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('from the application');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('clientScriptsMiddleware()', () => {
  it('serves the worker and the loader with a content ETag, no-cache and 304 on revalidation', async () => {
    for (const [url, text] of [['/cache-digest-sw.js', files.worker], ['/cache-digest.js?v=2', files.loader]] as const) {
      const response = await fetch(origin + url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toBe(text);
      const etag = response.headers.get('etag')!;
      const again = await fetch(origin + url, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
    }
  });

  it('passes every other request, and other methods, to the application', async () => {
    const other = await fetch(`${origin}/index.html`);
    expect([other.status, await other.text()]).toEqual([404, 'from the application']);
    const post = await fetch(`${origin}/cache-digest-sw.js`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(404);
  });
});
