import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http2';
import { encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import type { DeliveryMode } from '../core/types.ts';
import { StaticSite } from '../static/index.ts';
import { createCacheDigestServer, type CacheDigestServer } from './create-cache-digest-server.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get } from './test-support/test-clients.ts';

let site: TestSite;
let certDir: string;
let cert: DevCertificate;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  site = await createTestSite();
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  cert = await ensureDevCertificate(certDir);
});

afterAll(async () => {
  for (const close of closers) await close();
  await site?.remove();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

/** A server over its own StaticSite (a fresh file table), counting the requests that took the compatibility API. */
async function start(mode: DeliveryMode) {
  const lines: string[] = [];
  const instance: CacheDigestServer = createCacheDigestServer({ site: new StaticSite({ root: site.root }), cert: cert.cert, key: cert.key, pages: site.pages, mode, log: (line) => lines.push(line) });
  let compatRequests = 0;
  instance.server.on('request', () => compatRequests++);
  await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
  closers.push(() => instance.shutdown(100));
  return { origin: `https://127.0.0.1:${(instance.server.address() as AddressInfo).port}`, lines, compatRequests: () => compatRequests };
}

const withoutDate = (headers: IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date'));

describe('answers from the file table (node:http2 stream API)', () => {
  for (const mode of ['hints', 'links', 'off'] as const) {
    it(`${mode}: a described page gets the same head, 103, body, summary and log line as the first request, without the compatibility API`, async () => {
      const { origin, lines, compatRequests } = await start(mode);
      const headers = { 'cache-digest': formatCacheDigestHeader([{ digest: encodeDigest([origin + '/assets/app.css'], { pBits: 16 }), complete: true }]) };
      const first = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers });
      expect(compatRequests()).toBe(1);
      const second = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers });
      expect(compatRequests()).toBe(1);
      expect(withoutDate(second.headers)).toEqual(withoutDate(first.headers));
      expect(second.body.equals(first.body)).toBe(true);
      expect(second.body.toString()).toBe(site.pageBody);
      expect(second.informational).toEqual(first.informational);
      expect(second.events).toEqual(first.events);
      if (mode === 'hints') expect(second.events).toEqual(['103', 'page-head', 'page-end']);
      expect(parseSummaryHeader(String(second.headers['cache-digest-push']))).toMatchObject(
        mode === 'off' ? { mode: 'none', pushed: 0, skipped: 0 } : { mode: 'hints', digest: 1, pushed: 4, skipped: 1 },
      );
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe(lines[0]);
    });
  }

  it('distinct digests each get the head the ordinary path gives them (decisions shared only when equal)', async () => {
    const table = await start('hints');
    const held = [['/assets/app.css'], ['/assets/app.css', '/other.js'], ['/assets/main.js'], ['/assets/main.js', '/img/logo.png'], ['/assets/app.css']];
    const digestOf = (origin: string, urls: string[]) => ({ 'cache-digest': formatCacheDigestHeader([{ digest: encodeDigest(urls.map((url) => origin + url), { pBits: 16 }), complete: true }]) });
    await h2Get(table.origin, '/', { ca: cert.caCert, enablePush: false });
    for (const urls of held) {
      const fromTable = await h2Get(table.origin, '/', { ca: cert.caCert, enablePush: false, headers: digestOf(table.origin, urls) });
      // A new server answers its first request the ordinary way.
      const ordinary = await start('hints');
      const expected = await h2Get(ordinary.origin, '/', { ca: cert.caCert, enablePush: false, headers: digestOf(ordinary.origin, urls) });
      expect(ordinary.compatRequests()).toBe(1);
      expect(withoutDate(fromTable.headers)).toEqual(withoutDate(expected.headers));
      expect(fromTable.informational).toEqual(expected.informational);
    }
    expect(table.compatRequests()).toBe(1);
  });

  it('answers what the site answers for a described asset: 200 (identity and gzip), 304, 206, 416, HEAD', async () => {
    const { origin, compatRequests } = await start('hints');
    const url = '/assets/app.css';
    const cases: Record<string, string>[] = [
      { 'accept-encoding': 'identity' },
      { 'accept-encoding': 'gzip' },
      { 'if-none-match': site.assets.get(url)!.etag },
      { range: 'bytes=2-9', 'accept-encoding': 'identity' },
      { range: 'bytes=100000-' },
    ];
    // The first request of each kind describes the file and makes its gzip variant (the compatibility path).
    for (const headers of cases) await h2Get(origin, url, { ca: cert.caCert, headers });
    const before = compatRequests();
    const reference = new StaticSite({ root: site.root });
    for (const headers of cases) {
      const got = await h2Get(origin, url, { ca: cert.caCert, headers });
      const expected = await reference.handle({ method: 'GET', path: url, headers });
      expect(got.status).toBe(expected.status);
      expect(withoutDate(got.headers)).toEqual({ ':status': expected.status, ...expected.headers });
      expect(got.body.equals(Buffer.from((expected.body as Uint8Array | null) ?? new Uint8Array(0)))).toBe(true);
    }
    const head = await h2Get(origin, url, { ca: cert.caCert, headers: { ':method': 'HEAD', 'accept-encoding': 'identity' } });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(site.assets.get(url)!.size));
    expect(head.body.byteLength).toBe(0);
    expect(compatRequests()).toBe(before);
  });

  it('leaves push to the compatibility path', async () => {
    const { origin, compatRequests } = await start('push');
    for (let i = 1; i <= 2; i++) {
      const result = await h2Get(origin, '/', { ca: cert.caCert });
      expect(result.pushes).toHaveLength(5);
      expect(compatRequests()).toBe(i);
    }
  });
});
