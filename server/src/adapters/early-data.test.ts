import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { cacheDigestMiddleware, type CacheDigestMiddlewareOptions } from './cache-digest-middleware.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';

let site: TestSite;
const servers: http.Server[] = [];

beforeAll(async () => {
  site = await createTestSite();
});
afterAll(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
  await site?.remove();
});

/** A real node:http server: the middleware in front of an application that records what reaches it. */
async function start(options: Partial<CacheDigestMiddlewareOptions> = {}): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const middleware = cacheDigestMiddleware({ pages: site.pages, assets: site.site, log: false, ...options });
  const server = http.createServer((req, res) =>
    middleware(req, res, () => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><p>app</p>\n');
      });
    }),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(['GET', 'HEAD', 'OPTIONS'].includes(method) ? undefined : 'order=1');
  });
}

describe('cacheDigestMiddleware and TLS early data (RFC 8470), on a real server', () => {
  it('answers 425 to an unsafe method marked Early-Data: 1; the application never sees it', async () => {
    const { port, seen } = await start();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/', '/api/order']) {
        const response = await send(port, method, path, { 'early-data': '1' });
        expect(response.status).toBe(425);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['cache-digest-push']).toBeUndefined();
        expect(response.body).toMatch(/Too Early/);
      }
    }
    expect(seen).toEqual([]);
  });

  it('passes safe methods from early data (a page keeps its delivery), and unsafe ones without it', async () => {
    const { port, seen } = await start();
    const page = await send(port, 'GET', '/', { 'early-data': '1' });
    expect(page.status).toBe(200);
    expect(page.body).toBe('<!doctype html><p>app</p>\n');
    expect(parseSummaryHeader(page.headers['cache-digest-push'] as string)).toMatchObject({ mode: 'hints', pushed: 5 });
    expect((await send(port, 'HEAD', '/', { 'early-data': '1' })).status).toBe(200);
    expect((await send(port, 'OPTIONS', '/api/order', { 'early-data': '1' })).status).toBe(200);
    expect((await send(port, 'POST', '/api/order')).status).toBe(200);
    expect(seen).toEqual(['GET /', 'HEAD /', 'OPTIONS /api/order', 'POST /api/order']);
  });

  it('refuseUnsafeEarlyData: false lets the application decide', async () => {
    const { port, seen } = await start({ refuseUnsafeEarlyData: false });
    expect((await send(port, 'POST', '/api/order', { 'early-data': '1' })).status).toBe(200);
    expect(seen).toEqual(['POST /api/order']);
  });
});
