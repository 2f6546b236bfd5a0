import http from 'node:http';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerBase } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDigest, formatCacheDigestHeader, PAGE_SETS_COOKIE_HEADER, PushStreamReader, type PushStreamEvent } from '@cache-digest/shared';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import type { DeliveryMode, PageAsset } from '../core/types.ts';
import { TOO_EARLY_RESPONSE } from '../core/too-early.ts';
import { CacheDigestFastifyError, cacheDigestFastify } from './fastify.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get } from './test-support/test-clients.ts';

let site: TestSite;
let certDir: string;
let cert: DevCertificate;
const apps: FastifyInstance[] = [];
let ordersSeen = 0;

const ACCOUNT_BODY = '<!doctype html><link rel="stylesheet" href="/assets/app.css"><h1>Account</h1>\n';

/**
 * A Fastify app on loopback, with `http2: true` over TLS (HTTP/1.1 too, through ALPN) or plain node:http
 * (`plain`): the plugin in front, pages produced by routes (one slow, one that sets a cookie), the assets served
 * by the app itself from the site folder.
 */
async function startApp(mode: DeliveryMode, plain = false): Promise<string> {
  const pages: Record<string, PageAsset[]> = { ...site.pages, '/account': [site.assets.get('/assets/app.css')!] };
  // Each kind of instance registers the plugin as its own type: the plugin is typed for any raw server.
  const mount = async <S extends RawServerBase>(app: FastifyInstance<S, RawRequestDefaultExpression<S>, RawReplyDefaultExpression<S>>) => {
    apps.push(app as unknown as FastifyInstance);
    await app.register(cacheDigestFastify, { pages, assets: site.site, mode, log: false });
    // What a security-headers plugin such as helmet does: every reply, the plugin's 425 included, gets it.
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
    });
    await app.register(siteRoutes);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as AddressInfo).port;
  };
  const port = plain ? await mount(Fastify()) : await mount(Fastify({ http2: true, https: { allowHTTP1: true, key: cert.key, cert: cert.cert } }));
  return `${plain ? 'http' : 'https'}://127.0.0.1:${port}`;
}

/** The app's routes (in a child context: the plugin's hook, registered on the root, reaches them). */
const siteRoutes: FastifyPluginAsync<Record<never, never>, RawServerBase> = async (app) => {
  app.get('/', async (request, reply) => {
    await new Promise((resolve) => setTimeout(resolve, 50)); // a page that takes a while to build
    return reply.type('text/html; charset=utf-8').header('set-by-app', 'yes').send(site.pageBody);
  });
  app.get('/account', (request, reply) => {
    reply.header('set-cookie', 'session=abc123; HttpOnly; SameSite=Lax; Path=/').type('text/html; charset=utf-8').send(ACCOUNT_BODY);
  });
  app.post('/api/order', (request, reply) => {
    ordersSeen += 1;
    reply.send({ ok: true });
  });
  app.get('/*', async (request, reply) => {
    const response = await site.site.handle({ method: request.method, path: request.url, headers: request.headers });
    const body = response.body instanceof Uint8Array ? Buffer.from(response.body) : (response.body ?? '');
    return reply.code(response.status).headers(response.headers).send(body);
  });
};

/** An HTTP/1.1 request (GET unless told), over TLS for an https origin. */
function h1Get(
  origin: string,
  pathname: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    (origin.startsWith('https:') ? https : http)
      .request(`${origin}${pathname}`, { method, headers, ca: cert.caCert, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject)
      .end();
  });
}

function readStream(body: Buffer): PushStreamEvent[] {
  const reader = new PushStreamReader();
  return [...reader.push(body), ...reader.close()];
}

type Head = Extract<PushStreamEvent, { type: 'head' }>;
const partBody = (events: PushStreamEvent[], part: number) =>
  Buffer.concat(events.filter((e): e is Extract<PushStreamEvent, { type: 'data' }> => e.type === 'data' && e.part === part).map((e) => e.bytes));
/** The targets of a Link header's entries; those marked `nopush` (held by the client, said for a proxy) left out. */
const linkTargets = (link: string | string[] | undefined) =>
  [link ?? []].flat().join(', ').split(/,\s*(?=<)/).filter((entry) => entry && !/;\s*nopush/.test(entry)).map((entry) => /<([^>]+)>/.exec(entry)![1]);

/** A digest holding two of the page's five assets. */
const HELD = ['/assets/app.css', '/img/logo.png'];
const MISSING = ['/assets/legacy.js', '/assets/main.js', '/fonts/x.woff2'];
const digestOf = (origin: string, urls: string[]) => formatCacheDigestHeader([{ digest: encodeDigest(urls.map((url) => origin + url), { pBits: 16 }) }]);

beforeAll(async () => {
  site = await createTestSite();
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  cert = await ensureDevCertificate(certDir);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await site?.remove();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('cacheDigestFastify: a real Fastify 5 server (http2 option, TLS, HTTP/1.1 by ALPN)', () => {
  it('push (HTTP/2): only the missing assets are pushed, with the summary header', async () => {
    const origin = await startApp('auto');
    const result = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digestOf(origin, HELD) } });
    expect(result.status).toBe(200);
    expect(result.body.toString()).toBe(site.pageBody);
    expect(result.headers['set-by-app']).toBe('yes');
    expect(result.pushes.map((push) => push.path).sort()).toEqual(MISSING);
    for (const push of result.pushes) expect(push.body.length).toBe(site.assets.get(push.path)!.size);
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'push', digest: 2, pushed: 3, skipped: 2 });
    // An asset the app serves is not a page: no summary, no pushes.
    const asset = await h2Get(origin, '/assets/app.css', { ca: cert.caCert });
    expect(asset.status).toBe(200);
    expect(asset.pushes).toEqual([]);
    expect(asset.headers['cache-digest-push']).toBeUndefined();
  });

  it('hints (HTTP/2, no push): a 103 before the page, and the page, link only the missing assets', async () => {
    const origin = await startApp('auto');
    const result = await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers: { 'cache-digest': digestOf(origin, HELD) } });
    expect(result.informational).toHaveLength(1);
    expect(result.events.indexOf('103')).toBeLessThan(result.events.indexOf('page-head'));
    expect(linkTargets(result.informational[0]!['link']).sort()).toEqual(MISSING);
    expect(linkTargets(result.headers['link']).sort()).toEqual(MISSING);
    expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', digest: 2, pushed: 3, skipped: 2 });
  });

  it('links (HTTP/1.1 and HTTP/2): Link preloads for the missing assets only (the held ones marked nopush)', async () => {
    const origin = await startApp('links');
    for (const result of [await h1Get(origin, '/', { 'cache-digest': digestOf(origin, HELD) }), await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digestOf(origin, HELD) } })]) {
      expect(result.body.toString()).toBe(site.pageBody);
      expect(linkTargets(result.headers['link']).sort()).toEqual(MISSING);
      expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ digest: 2, pushed: 3, skipped: 2 });
    }
  });

  it('stream (HTTP/1.1 and HTTP/2): asset parts for the missing assets only, then the page part as the route produced it', async () => {
    const origin = await startApp('auto');
    const headers = { 'accept-push-stream': '1', 'cache-digest': digestOf(origin, HELD) };
    for (const result of [await h1Get(origin, '/', headers), await h2Get(origin, '/', { ca: cert.caCert, enablePush: false, headers })]) {
      expect(result.status).toBe(200);
      expect(String(result.headers['push-stream-urls']).split(', ').sort()).toEqual(MISSING);
      expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'stream', digest: 2, pushed: 3, skipped: 2 });
      const events = readStream(result.body);
      const heads = events.filter((event): event is Head => event.type === 'head');
      expect(heads.filter((head) => head.role === 'asset').map((head) => head.url).sort()).toEqual(MISSING);
      const page = heads.find((head) => head.role === 'page')!;
      expect(page.status).toBe(200);
      expect(page.headers['set-by-app']).toBe('yes');
      expect(partBody(events, page.part).toString()).toBe(site.pageBody);
      expect(events.filter((event) => event.type === 'end').every((event) => event.ok)).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'fin' });
    }
  });

  it('plain HTTP/1.1 (Fastify without the http2 option): stream and links deliver only the missing assets', async () => {
    const origin = await startApp('auto', true);
    const streamed = await h1Get(origin, '/', { 'accept-push-stream': '1', 'cache-digest': digestOf(origin, HELD) });
    expect(String(streamed.headers['push-stream-urls']).split(', ').sort()).toEqual(MISSING);
    const events = readStream(streamed.body);
    const page = events.find((event): event is Head => event.type === 'head' && event.role === 'page')!;
    expect(partBody(events, page.part).toString()).toBe(site.pageBody);
    expect(parseSummaryHeader(String(streamed.headers['cache-digest-push']))).toMatchObject({ mode: 'stream', digest: 2, pushed: 3, skipped: 2 });
    const linked = await h1Get(origin, '/', { 'cache-digest': digestOf(origin, HELD) });
    expect(linked.body.toString()).toBe(site.pageBody);
    expect(linkTargets(linked.headers['link']).sort()).toEqual(MISSING);
    expect(parseSummaryHeader(String(linked.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', digest: 2, pushed: 3, skipped: 2 });
  });

  it('a malformed digest counts as no digest: every asset is delivered, the page is served', async () => {
    const origin = await startApp('auto');
    for (const digest of ['%%%not base64', '____', 'Zm9vYmFy']) {
      const result = await h2Get(origin, '/', { ca: cert.caCert, headers: { 'cache-digest': digest } });
      expect(result.status).toBe(200);
      expect(result.body.toString()).toBe(site.pageBody);
      expect(result.pushes).toHaveLength(5);
      expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'push', digest: 0, pushed: 5, skipped: 0 });
    }
    // The core the plugin decorates the instance with counted them as malformed.
    expect(apps.at(-1)!.cacheDigest.stats.snapshot()).toMatchObject({ requests: 3, invalidDigests: 3, digestsSeen: 0 });
  });

  it('a page that sets a cookie keeps its Set-Cookie in every mode; once known, stream mode answers it as itself (hints)', async () => {
    const origin = await startApp('auto');
    const cookie = 'session=abc123; HttpOnly; SameSite=Lax; Path=/';
    // First in stream mode: Set-Cookie cannot cross the worker's synthesized page, so the page part says the page
    // sets one instead (the worker then fetches the page itself, which carries it).
    const streamed = await h1Get(origin, '/account', { 'accept-push-stream': '1' });
    expect(parseSummaryHeader(String(streamed.headers['cache-digest-push']))).toMatchObject({ mode: 'stream', pushed: 1 });
    const page = readStream(streamed.body).find((event): event is Head => event.type === 'head' && event.role === 'page')!;
    expect(page.headers[PAGE_SETS_COOKIE_HEADER]).toBe('1');
    expect(page.headers['set-cookie']).toBeUndefined();
    // Known now: the page is answered as itself, with its Set-Cookie.
    const again = await h1Get(origin, '/account', { 'accept-push-stream': '1' });
    expect(again.headers['set-cookie']).toEqual([cookie]);
    expect(again.body.toString()).toBe(ACCOUNT_BODY);
    expect(parseSummaryHeader(String(again.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', pushed: 1 });
    const pushed = await h2Get(origin, '/account', { ca: cert.caCert });
    expect(pushed.headers['set-cookie']).toEqual([cookie]);
    expect(parseSummaryHeader(String(pushed.headers['cache-digest-push']))).toMatchObject({ mode: 'push', pushed: 1 });
    const links = await h1Get(origin, '/account');
    expect(links.headers['set-cookie']).toEqual([cookie]);
    expect(parseSummaryHeader(String(links.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', pushed: 1 });
  });

  it('an unsafe request from TLS early data gets 425 and never reaches the route; safe ones and the rest pass', async () => {
    const origin = await startApp('auto');
    const before = ordersSeen;
    for (const result of [await h1Get(origin, '/api/order', { 'early-data': '1' }, 'POST'), await h2Get(origin, '/api/order', { ca: cert.caCert, headers: { ':method': 'POST', 'early-data': '1' } })]) {
      expect(result.status).toBe(425);
      expect(result.body.toString()).toBe(TOO_EARLY_RESPONSE.body);
      expect(result.headers['cache-control']).toBe('no-store');
      // Answered through Fastify's reply: the onSend hook ran on it.
      expect(result.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(ordersSeen).toBe(before);
    expect((await h1Get(origin, '/api/order', {}, 'POST')).status).toBe(200);
    expect(ordersSeen).toBe(before + 1);
    const page = await h1Get(origin, '/', { 'early-data': '1' });
    expect(page.status).toBe(200);
    expect(page.body.toString()).toBe(site.pageBody);
    // The instance keeps serving after the 425s.
    expect((await h2Get(origin, '/assets/app.css', { ca: cert.caCert })).status).toBe(200);
  });

  it('a second registration on the instance or below it is a typed error; sibling contexts each have their own', async () => {
    const options = { pages: site.pages, assets: site.site, log: false as const };
    for (const second of [
      async (app: FastifyInstance) => app.register(cacheDigestFastify, options),
      async (app: FastifyInstance) => app.register(async (child) => { await child.register(cacheDigestFastify, options); }),
    ]) {
      const app = Fastify();
      apps.push(app);
      await app.register(cacheDigestFastify, options);
      const error = await second(app).then(() => undefined, (thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(CacheDigestFastifyError);
      expect(error).toMatchObject({ code: 'ALREADY_REGISTERED', message: expect.stringMatching(/register it once per route tree/) });
    }
    // Two siblings, each with its own plugin and routes: each serves its own pages, once.
    const app = Fastify();
    apps.push(app);
    for (const prefix of ['/a', '/b']) {
      await app.register(async (child) => {
        await child.register(cacheDigestFastify, { pages: { [`${prefix}/index.html`]: site.pages['/index.html']! }, assets: site.site, mode: 'links', log: false });
        child.get('/', (request, reply) => reply.type('text/html; charset=utf-8').send(site.pageBody));
      }, { prefix });
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (const prefix of ['/a', '/b']) {
      const result = await h1Get(origin, `${prefix}/`);
      expect(result.status).toBe(200);
      // One summary (a string, not a repeated header), from the sibling's own plugin.
      expect(typeof result.headers['cache-digest-push']).toBe('string');
      expect(parseSummaryHeader(String(result.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', pushed: 5 });
    }
  });
});
