import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from './asset-source.ts';
import { originSource } from './origin-source.ts';

describe('originSource', () => {
  const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];
  let server: http.Server;
  let origin: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.url === '/gzip') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': '25' });
        res.end(Buffer.from('H4sIAAAAAAACA8tIzcnJBwCGphA2BQAAAA==', 'base64'));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2', connection: 'keep-alive' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('never leaves the origin, whatever the path looks like', async () => {
    const source = originSource(origin);
    const response = await source(new URL('https://edge.example//other.example/x?y=1'));
    expect(await response!.text()).toBe('ok');
    expect(seen.at(-1)!.url).toBe('//other.example/x?y=1');
  });

  it('asks for identity bodies for assets, forwards the client request for pages, drops hop-by-hop headers and stale lengths', async () => {
    const source = originSource(origin);
    await source(new URL('https://edge.example/app.css'));
    expect(seen.at(-1)!.headers['accept-encoding']).toBe('identity');
    const page = await source(new URL('https://edge.example/'), new Request('https://edge.example/', { headers: { cookie: 'a=1' } }));
    expect(seen.at(-1)!.headers.cookie).toBe('a=1');
    expect(page!.headers.get('connection')).toBeNull();
    expect(page!.headers.get('content-length')).toBe('2');
    const decoded = await source(new URL('https://edge.example/gzip'), new Request('https://edge.example/gzip'));
    expect(await decoded!.text()).toBe('hello');
    expect(decoded!.headers.get('content-encoding')).toBeNull();
    expect(decoded!.headers.get('content-length')).toBeNull();
  });

  it('throws a 502 SourceError for an unreachable origin', async () => {
    const source = originSource('http://127.0.0.1:1', { timeoutMs: 2000 });
    const error = await Promise.resolve(source(new URL('https://edge.example/'))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).status).toBe(502);
  });
});
