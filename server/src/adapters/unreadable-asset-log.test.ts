import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http2 from 'node:http2';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import type { DeliveryMode } from '../core/types.ts';
import { cacheDigestMiddleware } from './cache-digest-middleware.ts';
import type { AssetReader } from './asset-reader.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get } from './test-support/test-clients.ts';

let site: TestSite;
let certDir: string;
let cert: DevCertificate;
const closers: (() => Promise<void>)[] = [];

/** A real HTTP/2 server with the middleware in push or stream mode; its log lines go to `lines`. */
async function serve(mode: DeliveryMode, lines: string[], assets: TestSite['site'] | AssetReader = site.site, logFormat: 'text' | 'json' = 'text') {
  const middleware = cacheDigestMiddleware({ pages: site.pages, assets, mode, log: (line) => lines.push(line), logFormat });
  const server = http2.createSecureServer({ cert: cert.cert, key: cert.key }, (req, res) =>
    middleware(req, res, () => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>page</p>')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => sessions.add(session));
  closers.push(async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The log lines once the asynchronous "why" has been written (it follows the page). */
async function linesMatching(lines: string[], pattern: RegExp): Promise<string[]> {
  for (let waited = 0; waited < 2_000 && !lines.some((line) => pattern.test(line)); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return lines.filter((line) => pattern.test(line));
}

beforeAll(async () => {
  site = await createTestSite();
  // The manifest names the logo, but it is gone from disk by the time pages are served (a deploy half-copied, say).
  await rm(path.join(site.root, 'img/logo.png'));
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  cert = await ensureDevCertificate(certDir);
});

afterAll(async () => {
  for (const close of closers) await close();
  await site?.remove();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('an asset meant for delivery that cannot be read is logged with its reason', () => {
  it('push: the missing file is named with why, and the others are still pushed', async () => {
    const lines: string[] = [];
    const origin = await serve('push', lines);
    const result = await h2Get(origin, '/', { ca: cert.caCert });
    expect(result.pushes.map((push) => push.path).sort()).toEqual(['/assets/app.css', '/assets/legacy.js', '/assets/main.js', '/fonts/x.woff2']);
    const [line, ...more] = await linesMatching(lines, /not pushed/);
    // Which of the two depends on whether the site's watcher saw the file go before the request came.
    expect(line).toMatch(/^cache-digest: not pushed: \/img\/logo\.png \((not in the site \(missing, a dotfile, or outside the root\)|could not be read: .*logo\.png cannot be opened)\)$/);
    expect(more).toEqual([]);
  });

  it("stream, JSON lines, a reader that throws: the reader's error is the reason", async () => {
    const lines: string[] = [];
    const reader: AssetReader = async (asset) => {
      if (asset.url === '/fonts/x.woff2') throw new Error('EACCES: permission denied');
      return site.site.resolve(asset.url).then((file) => (file ? { headers: { 'content-type': file.contentType }, body: new Uint8Array(1) } : null));
    };
    const origin = await serve('stream', lines, reader, 'json');
    await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers: { 'accept-push-stream': '1' } });
    const logged = (await linesMatching(lines, /not streamed/)).map((line) => JSON.parse(line) as Record<string, string>);
    expect(logged.map(({ url, reason }) => `${url}: ${reason}`).sort()).toEqual([
      '/fonts/x.woff2: EACCES: permission denied',
      '/img/logo.png: the asset reader returned nothing',
    ]);
  });
});
