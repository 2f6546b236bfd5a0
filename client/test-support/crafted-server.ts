import http2 from 'node:http2';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureDevCertificate } from '@cache-digest/server';
import { bundleClientFiles } from '../src/vite/bundle-client-files.ts';
import { LOADER_PATH, WORKER_PATH } from '../src/paths.ts';
import type { CacheDigestWorkerOptions } from '../src/sw/options.ts';

/** One request the crafted server received. */
export interface SeenRequest {
  path: string;
  headers: http2.IncomingHttpHeaders;
}

/** A small HTTP/2 server for tests that need to write exact (including broken) responses. */
export interface CraftedServer {
  /** `https://127.0.0.1:<port>` (no trailing slash). */
  origin: string;
  port: number;
  spki: string;
  requests: SeenRequest[];
  /** Closes the server and destroys every open session at once (a server dying). */
  kill(): void;
  close(): Promise<void>;
}

/** A handler answers a request; return false to fall through to the worker scripts / 404. */
export type CraftedHandler = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => boolean | void;

/**
 * Starts an HTTP/2 TLS server on 127.0.0.1 (ephemeral port) with the project's
 * development certificate. It serves the loader and the worker (bundled from
 * source) and hands every other request to `handler`.
 */
export async function startCraftedServer(handler: CraftedHandler, workerOptions: CacheDigestWorkerOptions = {}): Promise<CraftedServer> {
  const certificate = await ensureDevCertificate(path.resolve('.dev-certs'));
  const scripts = await bundleClientFiles(workerOptions);
  const requests: SeenRequest[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createSecureServer({ cert: certificate.cert, key: certificate.key, allowHTTP1: true }, (request, response) => {
    requests.push({ path: request.url, headers: request.headers });
    if (request.url === WORKER_PATH || request.url === LOADER_PATH) {
      // no-store: tests count exactly the entries their own pages cause (the loader would be one).
      response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      response.end(request.url === WORKER_PATH ? scripts.worker : scripts.loader);
      return;
    }
    if (handler(request, response) === false) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const kill = (): void => {
    server.close();
    for (const session of sessions) session.destroy();
  };
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    spki: certificate.spki,
    requests,
    kill,
    close: () =>
      new Promise<void>((resolve) => {
        kill();
        server.close(() => resolve());
        // An already closed server never calls back with success.
        setTimeout(resolve, 1000).unref();
      }),
  };
}
