// startServer on a site that lacks the client's scripts: they are bundled once and
// served from memory, and (opt-in) the loader's tag is added to HTML pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { LOADER_PATH, readClientScripts, WORKER_PATH, type ClientFiles } from '@cache-digest/client/scripts';
import { contentEtag, PushStreamReader, type PushStreamEvent } from '@cache-digest/shared';
import { parseSummaryHeader } from '../core/summary-header.ts';
import type { ManifestAsset, PushManifest } from '../manifest/index.ts';
import { loaderTag } from './insert-loader-tag.ts';
import { startServer, type RunningServer, type StartServerOptions } from './start-server.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get } from './test-support/test-clients.ts';

let site: TestSite;
let certDir: string;
let bundled: ClientFiles;
const servers: RunningServer[] = [];
const TAG = loaderTag(LOADER_PATH);
const ALL = ['/assets/app.css', '/assets/legacy.js', '/assets/main.js', '/fonts/x.woff2', '/img/logo.png'];

async function start(options: Partial<StartServerOptions> = {}, root = site.root) {
  const server = await startServer({ root, certDir, log: false, ...options });
  servers.push(server);
  return { server, origin: server.url.replace(/\/$/, '') };
}

/** The page with the tag where the injector puts it. */
const injected = (page: string) => page.replace('</head>', `${TAG}</head>`);

/** Events of a push-stream body. */
function readStream(body: Buffer): PushStreamEvent[] {
  const reader = new PushStreamReader();
  return [...reader.push(body), ...reader.close()];
}

beforeAll(async () => {
  site = await createTestSite();
  certDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-certs-'));
  bundled = await readClientScripts();
}, 60_000);

afterAll(async () => {
  for (const server of servers) await server.close();
  await site?.remove();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('startServer: the client scripts a site lacks', () => {
  it('serves both from memory: JavaScript, content ETag, no-cache, 304 on If-None-Match, HEAD without body', async () => {
    const { server, origin } = await start();
    expect(server.clientScripts.sort()).toEqual([LOADER_PATH, WORKER_PATH].sort());
    for (const [url, source] of [[LOADER_PATH, bundled.loader], [WORKER_PATH, bundled.worker]] as const) {
      const result = await h2Get(origin, url, { enablePush: false, headers: { 'accept-encoding': 'gzip, br' } });
      expect(result.status).toBe(200);
      expect(result.body.toString()).toBe(source);
      expect(result.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(result.headers['cache-control']).toBe('no-cache');
      expect(result.headers['content-length']).toBe(String(result.body.length));
      expect(result.headers['etag']).toBe(contentEtag(result.body));
      expect(result.headers['cache-digest-push']).toBeUndefined();

      const revalidated = await h2Get(origin, `${url}?v=1`, { enablePush: false, headers: { 'if-none-match': String(result.headers['etag']) } });
      expect(revalidated.status).toBe(304);
      expect(revalidated.body.length).toBe(0);
      expect(revalidated.headers['etag']).toBe(result.headers['etag']);
      const changed = await h2Get(origin, url, { enablePush: false, headers: { 'if-none-match': '"something-else"', 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() } });
      expect(changed.status).toBe(200);
      expect(changed.body.toString()).toBe(source);

      const head = await h2Get(origin, url, { enablePush: false, headers: { ':method': 'HEAD' } });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers['content-length']).toBe(String(Buffer.byteLength(source)));
    }
  }, 60_000);

  it('never lists nor pushes them, even when a manifest names them', async () => {
    const withScripts: PushManifest = {
      version: 1,
      pages: { '/index.html': [...(site.pages['/index.html']! as ManifestAsset[]), { url: LOADER_PATH, as: 'script', type: 'text/javascript', size: 10, etag: '"x"' }] },
    };
    const { server, origin } = await start({ manifest: withScripts, mode: 'push' });
    expect(server.manifest.pages['/index.html']!.map((asset) => asset.url)).toEqual(ALL);
    const result = await h2Get(origin, '/', { enablePush: true });
    expect(result.pushes.map((push) => push.path)).toEqual(ALL);
  }, 60_000);

  it('serves only the script the site lacks, the site’s own file for the other; none with clientScripts: false', async () => {
    const own = "console.log('the site’s own loader');\n";
    await writeFile(path.join(site.root, 'cache-digest.js'), own);
    try {
      const { server, origin } = await start();
      expect(server.clientScripts).toEqual([WORKER_PATH]);
      expect((await h2Get(origin, LOADER_PATH, { enablePush: false })).body.toString()).toBe(own);
      expect((await h2Get(origin, WORKER_PATH, { enablePush: false })).body.toString()).toBe(bundled.worker);
    } finally {
      await rm(path.join(site.root, 'cache-digest.js'));
    }
    const { server, origin } = await start({ clientScripts: false });
    expect(server.clientScripts).toEqual([]);
    expect((await h2Get(origin, LOADER_PATH, { enablePush: false })).status).toBe(404);
    expect((await h2Get(origin, WORKER_PATH, { enablePush: false })).status).toBe(404);
  }, 60_000);
});

describe('startServer({ injectLoader: true })', () => {
  it('adds the loader tag to HTML pages lacking it, with a matching length, a new ETag, and 304 only for that ETag', async () => {
    const { origin } = await start({ injectLoader: true, mode: 'hints' });
    const page = injected(site.pageBody);
    expect(page).not.toBe(site.pageBody);

    const identity = await h2Get(origin, '/', { enablePush: false });
    expect(identity.status).toBe(200);
    expect(identity.body.toString()).toBe(page);
    expect(identity.headers['content-length']).toBe(String(identity.body.length));
    expect(identity.headers['content-type']).toMatch(/^text\/html/);
    const etag = String(identity.headers['etag']);
    expect(etag).toBe(contentEtag(new TextEncoder().encode(page)));
    const fileEtag = (await site.site.resolve('/index.html'))!.etag;
    expect(etag).not.toBe(fileEtag);
    expect(identity.headers['last-modified']).toBeUndefined();
    expect(parseSummaryHeader(String(identity.headers['cache-digest-push']))).toMatchObject({ mode: 'hints', pushed: 5 });

    for (const coding of ['gzip', 'br'] as const) {
      const compressed = await h2Get(origin, '/index.html', { enablePush: false, headers: { 'accept-encoding': coding } });
      expect(compressed.headers['content-encoding']).toBe(coding);
      expect(compressed.headers['etag']).toBe(etag);
      expect(compressed.headers['content-length']).toBe(String(compressed.body.length));
      const decoded = coding === 'gzip' ? zlib.gunzipSync(compressed.body) : zlib.brotliDecompressSync(compressed.body);
      expect(decoded.toString()).toBe(page);
    }

    const current = await h2Get(origin, '/', { enablePush: false, headers: { 'if-none-match': etag } });
    expect(current.status).toBe(304);
    expect(current.body.length).toBe(0);
    // A copy without the tag (the file's own ETag, or only a date) is not current.
    const old = await h2Get(origin, '/', { enablePush: false, headers: { 'if-none-match': fileEtag } });
    expect(old.status).toBe(200);
    expect(old.body.toString()).toBe(page);
    const dated = await h2Get(origin, '/', { enablePush: false, headers: { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() } });
    expect(dated.status).toBe(200);
    const ranged = await h2Get(origin, '/', { enablePush: false, headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(200);
    expect(ranged.body.toString()).toBe(page);

    const head = await h2Get(origin, '/', { enablePush: false, headers: { ':method': 'HEAD' } });
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(page)));
    expect(head.headers['etag']).toBe(etag);
  }, 60_000);

  it('leaves alone pages that have the tag, and everything but HTML; tags a page without </head> or <body', async () => {
    const withTag = `<!doctype html><html><head>${TAG}<title>t</title></head><body>t</body></html>\n`;
    await writeFile(path.join(site.root, 'tagged.html'), withTag);
    try {
      const { origin } = await start({ injectLoader: true, mode: 'off' });
      const tagged = await h2Get(origin, '/tagged.html', { enablePush: false });
      expect(tagged.body.toString()).toBe(withTag);
      expect(tagged.headers['etag']).toBe(contentEtag(new TextEncoder().encode(withTag)));
      // about/index.html has neither </head> nor <body (both optional in HTML): the tag goes after its doctype.
      const about = await h2Get(origin, '/about/', { enablePush: false });
      expect(about.body.toString()).toBe(`<!doctype html>${TAG}<title>about</title><link rel="stylesheet" href="/assets/app.css">\n`);
      const css = await h2Get(origin, '/assets/app.css', { enablePush: false });
      expect(css.headers['etag']).toBe(site.assets.get('/assets/app.css')!.etag);
      expect((await h2Get(origin, '/missing.html', { enablePush: false })).status).toBe(404);
      expect((await h2Get(origin, '/about', { enablePush: false })).status).toBe(301);
    } finally {
      await rm(path.join(site.root, 'tagged.html'));
    }
  }, 60_000);

  it('puts the tagged page, identity-encoded, in the push stream', async () => {
    const { origin } = await start({ injectLoader: true, mode: 'stream' });
    const result = await h2Get(origin, '/', { enablePush: false, headers: { 'accept-push-stream': '1', 'accept-encoding': 'gzip, deflate, br' } });
    // The stream as a whole is gzip-encoded (docs/push-stream.md, Compression); the page part inside is not.
    expect(result.headers['content-encoding']).toBe('gzip');
    const events = readStream(zlib.gunzipSync(result.body));
    const head = events.find((event) => event.type === 'head' && event.role === 'page');
    expect(head).toMatchObject({ status: 200 });
    if (head?.type !== 'head') throw new Error('no page part');
    expect(head.headers['content-encoding']).toBeUndefined();
    const body = Buffer.concat(events.flatMap((event) => (event.type === 'data' && event.part === head.part ? [Buffer.from(event.bytes)] : [])));
    expect(body.toString()).toBe(injected(site.pageBody));
    expect(events.filter((event) => event.type === 'head' && event.role === 'asset').map((event) => event.type === 'head' && event.url)).toEqual(ALL);
  }, 60_000);
});
