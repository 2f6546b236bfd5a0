import http2 from 'node:http2';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.svg': 'image/svg+xml',
};

/** A running {@link startPlainStaticServer}. */
export interface PlainStaticServer {
  port: number;
  close(): Promise<void>;
}

/** Options of {@link startPlainStaticServer}. */
export interface PlainStaticServerOptions {
  /** Asked before each request is served: `error` answers 500, `reset` resets the stream (a dropped response). For tests of failing visits. */
  fault?: (urlPath: string) => 'error' | 'reset' | undefined;
}

/**
 * A plain HTTPS static server without the kit: HTTP/2, no validators, no
 * caching headers, no worker (what a site looks like before the kit).
 */
export async function startPlainStaticServer(root: string, tls: { cert: string; key: string }, options: PlainStaticServerOptions = {}): Promise<PlainStaticServer> {
  const server = http2.createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true }, async (request, response) => {
    const urlPath = decodeURIComponent(new URL(request.url, 'https://x').pathname);
    const fault = options.fault?.(urlPath);
    if (fault === 'error') return void response.writeHead(500, { 'content-type': 'text/plain' }).end('failing on purpose');
    if (fault === 'reset') return void (request.stream ? request.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR) : request.socket.destroy());
    const file = path.join(root, ...(urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath).split('/'));
    if (!file.startsWith(root + path.sep)) return void response.writeHead(404).end();
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The plain site's assets, by URL path. */
export const PLAIN_SITE_ASSETS = ['/style.css', '/app.js', '/a.svg', '/b.svg'];

/** Writes a small static site (a page, a stylesheet, a script, two images) into `dir`. */
export async function writePlainSite(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const image = (colour: string): string =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="${colour}"/>${'<!-- padding -->'.repeat(200)}</svg>`;
  await writeFile(
    path.join(dir, 'index.html'),
    '<!doctype html><html><head><title>plain</title><link rel="stylesheet" href="/style.css"><script type="module" src="/app.js"></script></head>' +
      '<body><h1>plain</h1><img src="/a.svg" alt=""><img src="/b.svg" alt=""></body></html>',
  );
  await writeFile(path.join(dir, 'style.css'), `body { font-family: sans-serif; }\n/* ${'x'.repeat(4000)} */\n`);
  await writeFile(path.join(dir, 'app.js'), `document.body.dataset.ran = 'yes';\n// ${'y'.repeat(4000)}\n`);
  await writeFile(path.join(dir, 'a.svg'), image('#c33'));
  await writeFile(path.join(dir, 'b.svg'), image('#33c'));
}
