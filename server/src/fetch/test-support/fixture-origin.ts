import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIXTURE_FILES } from './fixture-site.ts';

/** A running test origin. */
export interface FixtureOrigin {
  url: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * The origin behind the proxy tests, on loopback: serves the fixture's
 * files; `/slow/` answers after `slowMs`; `/fail/` answers 500;
 * `/hang/` never answers; `/reset/` sends a head and half a page, then
 * resets the connection.
 */
export async function startFixtureOrigin(options: { slowMs?: number } = {}): Promise<FixtureOrigin> {
  const requests: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(path);
    const page = FIXTURE_FILES['/index.html']!;
    if (path === '/hang/') return;
    if (path === '/fail/') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('origin failed\n');
      return;
    }
    if (path.startsWith('/reset/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': '100000' });
      res.write('<!doctype html><p>half a page');
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    const file = path.endsWith('/') ? page : FIXTURE_FILES[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const send = () => {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'public, max-age=60', 'set-cookie': 'session=1' });
      res.end(file.body);
    };
    if (path === '/slow/') setTimeout(send, options.slowMs ?? 200);
    else send();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
