// A navigation sent by the browser through navigation preload (the worker was
// starting) carries the digests in Service-Worker-Navigation-Preload: the real
// node:http2 server reads them there, over HTTP/2 on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { encodeDigest, formatCacheDigestHeader, PushStreamReader, PUSH_STREAM_CONTENT_TYPE } from '@cache-digest/shared';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { createCacheDigestServer, type CacheDigestServer } from './create-cache-digest-server.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get } from './test-support/test-clients.ts';

let site: TestSite;
let certDir: string;
let cert: DevCertificate;
let server: CacheDigestServer;
let origin: string;
const lines: string[] = [];

beforeAll(async () => {
  site = await createTestSite();
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  cert = await ensureDevCertificate(certDir);
  server = createCacheDigestServer({ site: site.site, cert: cert.cert, key: cert.key, pages: site.pages, mode: 'auto', log: (line) => lines.push(line) });
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await server?.shutdown(500);
  await site?.remove();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('Service-Worker-Navigation-Preload carrying the digests', () => {
  it('streams only the missing assets, as for the normal headers, and says the response varies on it', async () => {
    const held = ['/assets/app.css', '/assets/main.js'];
    const digest = formatCacheDigestHeader([{ digest: encodeDigest(held.map((url) => origin + url), { pBits: 16 }), complete: true }]);
    const result = await h2Get(origin, '/', {
      ca: cert.caCert,
      enablePush: false,
      // A preload may be conditional (the browser's HTTP cache): a stream's page part never is.
      headers: { 'service-worker-navigation-preload': `accept-push-stream=1; cache-digest=${digest}`, 'if-none-match': '"anything"' },
    });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe(PUSH_STREAM_CONTENT_TYPE);
    expect(String(result.headers['vary'])).toContain('service-worker-navigation-preload');
    const missing = [...site.assets.keys()].filter((url) => !held.includes(url));
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'stream', digest: 2, pushed: missing.length, skipped: 2 });
    const reader = new PushStreamReader();
    const events = [...reader.push(result.body), ...reader.close()];
    const heads = events.flatMap((event) => (event.type === 'head' ? [`${event.role}:${event.url}`] : []));
    expect(heads.sort()).toEqual(['page:/', ...missing.map((url) => `asset:${url}`)].sort());
  });

  it("the browser's default value, and a malformed digest, get what a client without a digest gets", async () => {
    for (const value of ['true', 'accept-push-stream=1; cache-digest=!!!']) {
      const before = lines.length;
      const result = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers: { 'service-worker-navigation-preload': value } });
      expect(result.status).toBe(200);
      const summary = parseSummaryHeader(String(result.headers['cache-digest-push']));
      expect(summary, value).toMatchObject({ digest: 0, pushed: site.assets.size, skipped: 0 });
      expect(summary!.mode).toBe(value === 'true' ? 'hints' : 'stream');
      expect(lines.slice(before).join('\n').includes('invalid digest ignored')).toBe(value !== 'true');
    }
  });
});
