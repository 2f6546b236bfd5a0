import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { contentEtag } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate, type DevCertificate } from '../tls/index.ts';
import { startStaticTestServer, type StaticTestServer } from './h2-test-server.ts';
import { StaticFileError, StaticSite, type StaticResponse } from './index.ts';
import { REVALIDATE_GRACE_MS, REVALIDATE_MS } from './static-site.ts';

const FIXTURE = fileURLToPath(new URL('../../test-fixtures/site', import.meta.url));

let workDir: string;
let root: string;
let outside: string;
let certificate: DevCertificate;
let site: StaticSite;
let server: StaticTestServer;

const fileBytes = (relative: string): Promise<Buffer> => readFile(path.join(root, relative));

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'static-site-test-'));
  root = path.join(workDir, 'site');
  outside = path.join(workDir, 'outside');
  await cp(FIXTURE, root, { recursive: true });
  // Things a fixture folder cannot carry well: dotfiles, symlinks, precompressed siblings, odd names.
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'outside the root\n');
  await writeFile(path.join(root, '.env'), 'SECRET=1\n');
  await mkdir(path.join(root, '.git'));
  await writeFile(path.join(root, '.git', 'config'), '[core]\n');
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'escape.txt'));
  await symlink(path.join(outside), path.join(root, 'escape-dir'));
  await symlink(path.join(root, '.env'), path.join(root, 'env.txt'));
  await symlink(path.join(root, 'robots.txt'), path.join(root, 'robots-link.txt'));
  await writeFile(path.join(root, 'my file.txt'), 'spaces\n');
  const pre = 'body { color: red; }\n'.repeat(40);
  await writeFile(path.join(root, 'css', 'pre.css'), pre);
  await writeFile(path.join(root, 'css', 'pre.css.br'), zlib.brotliCompressSync(pre));
  await writeFile(path.join(root, 'css', 'pre.css.gz'), zlib.gzipSync(pre));
  await writeFile(path.join(root, 'css', 'stale.css'), 'p { margin: 0; }\n'.repeat(40));
  await writeFile(path.join(root, 'css', 'stale.css.gz'), zlib.gzipSync('old content\n'));
  const old = new Date(Date.now() - 3600_000);
  await utimes(path.join(root, 'css', 'stale.css.gz'), old, old);
  certificate = await ensureDevCertificate(path.join(workDir, 'certs'));
  site = new StaticSite({ root });
  server = await startStaticTestServer(site, certificate);
});

afterAll(async () => {
  await server?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('StaticSite over a real HTTP/2 server', () => {
  it('serves / as index.html with the content ETag, Last-Modified and no-cache', async () => {
    const bytes = await fileBytes('index.html');
    const response = await server.request('/');
    expect(response.status).toBe(200);
    expect(response.body.equals(bytes)).toBe(true);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['etag']).toBe(contentEtag(bytes));
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-length']).toBe(String(bytes.length));
    expect(Date.parse(String(response.headers['last-modified']))).toBeGreaterThan(0);
    expect(response.headers['content-encoding']).toBeUndefined();
  });

  it('maps /dir/ to its index.html and redirects /dir to /dir/', async () => {
    const about = await server.request('/about/');
    expect(about.status).toBe(200);
    expect(about.body.equals(await fileBytes('about/index.html'))).toBe(true);
    const redirect = await server.request('/about?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers['location']).toBe('/about/');
    expect((await server.request('/css/')).status).toBe(404);
    expect((await server.request('/css')).status).toBe(404);
  });

  it('chooses content types and cache lifetimes by file', async () => {
    const cases: [string, string, string][] = [
      ['/assets/main-3f2a9c1b.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['/assets/app.3F2A9C1B.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['/css/main.css', 'text/css; charset=utf-8', 'public, max-age=3600'],
      ['/fonts/inter.woff2', 'font/woff2', 'public, max-age=3600'],
      ['/img/logo.svg', 'image/svg+xml', 'public, max-age=3600'],
      ['/img/hero.png', 'image/png', 'public, max-age=3600'],
      ['/blog/first-post/', 'text/html; charset=utf-8', 'no-cache'],
    ];
    for (const [url, type, cacheControl] of cases) {
      const response = await server.request(url);
      expect(response.status, url).toBe(200);
      expect(response.headers['content-type'], url).toBe(type);
      expect(response.headers['cache-control'], url).toBe(cacheControl);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('answers HEAD with the GET headers and no body', async () => {
    const get = await server.request('/css/main.css');
    const head = await server.request('/css/main.css', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers['etag']).toBe(get.headers['etag']);
  });

  it('refuses other methods with 405 and Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await server.request('/index.html', {}, method);
      expect(response.status, method).toBe(405);
      expect(response.headers['allow']).toBe('GET, HEAD');
    }
  });

  it('answers conditional requests: If-None-Match (weak, lists, *), If-Modified-Since, If-Match', async () => {
    const first = await server.request('/css/base.css');
    const etag = String(first.headers['etag']);
    const lastModified = String(first.headers['last-modified']);
    const notModified = await server.request('/css/base.css', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers['etag']).toBe(etag);
    expect(notModified.headers['cache-control']).toBe('public, max-age=3600');
    expect((await server.request('/css/base.css', { 'if-none-match': `W/${etag}` })).status).toBe(304);
    expect((await server.request('/css/base.css', { 'if-none-match': `"nope", ${etag}` })).status).toBe(304);
    expect((await server.request('/css/base.css', { 'if-none-match': '*' })).status).toBe(304);
    expect((await server.request('/css/base.css', { 'if-none-match': '"nope"' })).status).toBe(200);
    expect((await server.request('/css/base.css', { 'if-modified-since': lastModified })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await server.request('/css/base.css', { 'if-modified-since': earlier })).status).toBe(200);
    // If-None-Match wins over If-Modified-Since.
    expect(
      (await server.request('/css/base.css', { 'if-none-match': '"nope"', 'if-modified-since': lastModified })).status,
    ).toBe(200);
    expect((await server.request('/css/base.css', { 'if-match': '"nope"' })).status).toBe(412);
    expect((await server.request('/css/base.css', { 'if-match': etag })).status).toBe(200);
  });

  it('serves single byte ranges from the identity encoding, 416 when unsatisfiable', async () => {
    const bytes = await fileBytes('css/main.css');
    const size = bytes.length;
    const partial = await server.request('/css/main.css', { range: 'bytes=10-19', 'accept-encoding': 'br, gzip' });
    expect(partial.status).toBe(206);
    expect(partial.headers['content-range']).toBe(`bytes 10-19/${size}`);
    expect(partial.headers['content-encoding']).toBeUndefined();
    expect(partial.body.equals(bytes.subarray(10, 20))).toBe(true);
    const suffix = await server.request('/css/main.css', { range: 'bytes=-5' });
    expect(suffix.body.equals(bytes.subarray(size - 5))).toBe(true);
    const open = await server.request('/css/main.css', { range: `bytes=${size - 3}-` });
    expect(open.body.equals(bytes.subarray(size - 3))).toBe(true);
    const unsatisfiable = await server.request('/css/main.css', { range: `bytes=${size}-` });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers['content-range']).toBe(`bytes */${size}`);
    expect((await server.request('/css/main.css', { range: 'bytes=0-1,5-6' })).status).toBe(200);
    expect((await server.request('/css/main.css', { range: 'items=0-1' })).status).toBe(200);
    const etag = String(partial.headers['etag']);
    expect((await server.request('/css/main.css', { range: 'bytes=0-0', 'if-range': etag })).status).toBe(206);
    expect((await server.request('/css/main.css', { range: 'bytes=0-0', 'if-range': '"old"' })).status).toBe(200);
    expect((await server.request('/css/main.css', { range: 'bytes=0-0', 'if-range': `W/${etag}` })).status).toBe(200);
  });

  it('compresses text with brotli or gzip as Accept-Encoding allows, with Vary and the same ETag', async () => {
    const bytes = await fileBytes('css/main.css');
    const etag = contentEtag(bytes);
    const br = await server.request('/css/main.css', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toBe('accept-encoding');
    expect(br.headers['etag']).toBe(etag);
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(bytes.length);
    expect(zlib.brotliDecompressSync(br.body).equals(bytes)).toBe(true);
    const gz = await server.request('/css/main.css', { 'accept-encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(bytes)).toBe(true);
    const preferGzip = await server.request('/css/main.css', { 'accept-encoding': 'br;q=0.5, gzip;q=0.8' });
    expect(preferGzip.headers['content-encoding']).toBe('gzip');
    const identity = await server.request('/css/main.css', { 'accept-encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.headers['vary']).toBe('accept-encoding');
    expect(identity.body.equals(bytes)).toBe(true);
    // Already compressed formats and tiny files go as they are.
    const font = await server.request('/fonts/inter.woff2', { 'accept-encoding': 'br' });
    expect(font.headers['content-encoding']).toBeUndefined();
    expect(font.headers['vary']).toBeUndefined();
    const tiny = await server.request('/css/alt.css', { 'accept-encoding': 'br' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
  });

  it('prefers fresh precompressed .br/.gz siblings and ignores stale ones', async () => {
    const br = await server.request('/css/pre.css', { 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.equals(await fileBytes('css/pre.css.br'))).toBe(true);
    const gz = await server.request('/css/pre.css', { 'accept-encoding': 'gzip' });
    expect(gz.body.equals(await fileBytes('css/pre.css.gz'))).toBe(true);
    const stale = await server.request('/css/stale.css', { 'accept-encoding': 'gzip' });
    expect(stale.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(stale.body).equals(await fileBytes('css/stale.css'))).toBe(true);
  });

  it('gives many concurrent requests for one file identical compressed bodies', async () => {
    const fresh = new StaticSite({ root });
    const responses = await Promise.all(
      Array.from({ length: 40 }, () =>
        fresh.handle({ method: 'GET', path: '/js/app.js', headers: { 'accept-encoding': 'gzip' } }),
      ),
    );
    const bodies = responses.map((response) => Buffer.from(response.body as Uint8Array));
    expect(new Set(bodies.map((body) => body.toString('base64'))).size).toBe(1);
    expect(zlib.gunzipSync(bodies[0]!).equals(await fileBytes('js/app.js'))).toBe(true);
  });

  it('never serves outside the root, hidden files or malformed paths', async () => {
    const cases: [string, number][] = [
      ['/../package.json', 400],
      ['/css/../../outside/secret.txt', 400],
      ['/%2e%2e/outside/secret.txt', 400],
      ['/css/%2e%2e%2f%2e%2e%2foutside%2fsecret.txt', 400],
      ['/css%2fmain.css', 400],
      ['/css%5cmain.css', 400],
      ['/css\\main.css', 400],
      ['/index.html%00.txt', 400],
      ['/%zz', 400],
      ['/.env', 404],
      ['/%2eenv', 404],
      ['/.git/config', 404],
      ['//etc/passwd', 404],
      ['/escape.txt', 404],
      ['/escape-dir/secret.txt', 404],
      ['/env.txt', 404],
      ['/missing.html', 404],
      ['/' + 'a'.repeat(5000), 414],
    ];
    for (const [url, status] of cases) {
      const response = await server.request(url);
      expect(response.status, url).toBe(status);
      expect(response.body.toString()).not.toContain('outside the root');
      expect(response.body.toString()).not.toContain('SECRET');
      expect(await site.resolve(url), url).toBeNull();
    }
    expect((await server.request('/robots-link.txt')).body.equals(await fileBytes('robots.txt'))).toBe(true);
    expect((await server.request('/my%20file.txt')).status).toBe(200);
  });
});

describe('StaticSite with nghttp, a non-Node HTTP/2 client', () => {
  const nghttp = async (...args: string[]): Promise<string> =>
    (await promisify(execFile)('nghttp', ['-n', '-v', ...args], { timeout: 30_000 })).stdout;
  const statuses = (log: string): string[] => [...log.matchAll(/recv \(stream_id=\d+\) :status: (\d+)/g)].map((m) => m[1]!);

  it('frames HEAD, 304, 206 and compressed responses without protocol errors', async () => {
    const head = await nghttp('-H', ':method: HEAD', `${server.origin}/css/main.css`);
    const notModified = await nghttp('-H', 'if-none-match: "x", *', `${server.origin}/`);
    const range = await nghttp('-H', 'range: bytes=5-9', '-H', 'accept-encoding: br', `${server.origin}/css/main.css`);
    const page = await nghttp('-a', '-H', 'accept-encoding: gzip', `${server.origin}/`);
    expect(statuses(head)).toEqual(['200']);
    expect(head).not.toMatch(/recv DATA frame/);
    expect(statuses(notModified)).toEqual(['304']);
    expect(statuses(range)).toEqual(['206']);
    expect(range).toMatch(/content-range: bytes 5-9\/\d+/);
    // -a fetches the page's assets too: the missing ones 404, the rest 200, all on one connection.
    expect(statuses(page).filter((status) => status === '200').length).toBeGreaterThan(5);
    expect(page).toMatch(/content-encoding: gzip/);
    for (const log of [head, notModified, range, page]) {
      expect(log).not.toMatch(/RST_STREAM|PROTOCOL_ERROR|error_code=(?!NO_ERROR)/);
    }
  });
});

describe('StaticSite.resolve and read', () => {
  it('resolves canonical, percent-encoded URL paths with content ETags', async () => {
    const index = await site.resolve('/?utm=1');
    expect(index?.urlPath).toBe('/index.html');
    expect(index?.filePath).toBe(path.join(await import('node:fs/promises').then((fs) => fs.realpath(root)), 'index.html'));
    expect(index?.etag).toBe(contentEtag(await fileBytes('index.html')));
    const spaced = await site.resolve('/my%20file.txt');
    expect(spaced?.urlPath).toBe('/my%20file.txt');
    expect(spaced?.contentType).toBe('text/plain; charset=utf-8');
    expect(await site.resolve('not-a-path')).toBeNull();
  });

  it('streams files larger than the memory limit, with the same ETag format', async () => {
    const big = new StaticSite({ root, maxCachedFileBytes: 1000 });
    const bytes = await fileBytes('css/main.css');
    const file = await big.resolve('/css/main.css');
    expect(file?.etag).toBe(contentEtag(bytes));
    const full = await big.handle({ method: 'GET', path: '/css/main.css', headers: {} });
    expect(full.body).not.toBeInstanceOf(Uint8Array);
    const chunks: Buffer[] = [];
    for await (const chunk of full.body as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    const ranged = await big.handle({ method: 'GET', path: '/css/main.css', headers: { range: 'bytes=100-199' } });
    const rangeChunks: Buffer[] = [];
    for await (const chunk of ranged.body as AsyncIterable<Buffer>) rangeChunks.push(chunk);
    expect(Buffer.concat(rangeChunks).equals(bytes.subarray(100, 200))).toBe(true);
    expect((await big.read(file!)).length).toBe(bytes.length);
  });

  it('notices a changed file: read() of the old one throws, handle() serves the new bytes and ETag', async () => {
    const target = path.join(root, 'changing.txt');
    await writeFile(target, 'version one\n');
    const local = new StaticSite({ root });
    const before = await local.resolve('/changing.txt');
    expect(Buffer.from(await local.read(before!)).toString()).toBe('version one\n');
    await writeFile(target, 'version two, longer\n');
    const later = new Date(Date.now() + 5000);
    await utimes(target, later, later);
    await expect(new StaticSite({ root }).read(before!)).rejects.toBeInstanceOf(StaticFileError);
    const response = await local.handle({ method: 'GET', path: '/changing.txt', headers: {} });
    expect(Buffer.from(response.body as Uint8Array).toString()).toBe('version two, longer\n');
    expect(response.headers['etag']).toBe(contentEtag(new TextEncoder().encode('version two, longer\n')));
  });

  it('serves a file added after start at once, and a changed or removed one correctly within the revalidation bound', async () => {
    const local = new StaticSite({ root });
    const get = async (urlPath: string) => {
      const response = await local.handle({ method: 'GET', path: urlPath, headers: {} });
      return { status: response.status, body: response.body instanceof Uint8Array ? Buffer.from(response.body).toString() : '', etag: response.headers['etag'] };
    };
    // Polls (every 20 ms) until the response matches, failing past the bound plus slack for a busy machine.
    const within = async (urlPath: string, expected: { status: number; body?: string }) => {
      const started = Date.now();
      for (;;) {
        const got = await get(urlPath);
        if (got.status === expected.status && (expected.body === undefined || got.body === expected.body)) {
          if (expected.body !== undefined) expect(got.etag).toBe(contentEtag(new TextEncoder().encode(expected.body)));
          return Date.now() - started;
        }
        expect(Date.now() - started, `${urlPath} still ${got.status} ${JSON.stringify(got.body)}`).toBeLessThan(REVALIDATE_MS + 1500);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    expect((await get('/late.txt')).status).toBe(404);
    await writeFile(path.join(root, 'late.txt'), 'added\n');
    // Refusals are never remembered: an added file is served on the next request.
    expect(await get('/late.txt')).toMatchObject({ status: 200, body: 'added\n' });
    await writeFile(path.join(root, 'late.txt'), 'changed, longer\n');
    await within('/late.txt', { status: 200, body: 'changed, longer\n' });
    await rm(path.join(root, 'late.txt'));
    await within('/late.txt', { status: 404 });

    // Without the folder watch (closed here; or a change it cannot see, such as a symlink target elsewhere),
    // the revalidation bound alone keeps answers current.
    local.close();
    await writeFile(path.join(root, 'late.txt'), 'back\n');
    expect(await get('/late.txt')).toMatchObject({ status: 200, body: 'back\n' });
    await writeFile(path.join(root, 'late.txt'), 'back, and changed\n');
    await within('/late.txt', { status: 200, body: 'back, and changed\n' });
    await rm(path.join(root, 'late.txt'));
    await within('/late.txt', { status: 404 });
  });

  it('answerNow: a busy path past the bound answers from its description while one look at the disk runs, then from the new one; an idle one waits for the ordinary path', async () => {
    const bodyOf = (response: StaticResponse | undefined) => (response?.body instanceof Uint8Array ? Buffer.from(response.body).toString() : undefined);
    let local: StaticSite;
    let url: string;
    // A busy machine may stall a timer past the grace: the step is tried again then, afresh (a wrong answer fails at once).
    for (let attempt = 1; ; attempt++) {
      local = new StaticSite({ root });
      url = `/busy-${attempt}.txt`;
      await writeFile(path.join(root, url), 'first\n');
      await local.handle({ method: 'GET', path: url, headers: {} });
      // No watch from here: only the revalidation bound sees a change.
      local.close();
      const described = Date.now();
      expect(bodyOf(local.answerNow({ method: 'GET', path: url, headers: {} }))).toBe('first\n');
      await new Promise((resolve) => setTimeout(resolve, REVALIDATE_MS + 5));
      await writeFile(path.join(root, url), 'second, longer\n');
      // Past the bound: still answered at once (the look at the disk has only started)...
      const answer = bodyOf(local.answerNow({ method: 'GET', path: url, headers: {} }));
      if (Date.now() - described >= REVALIDATE_MS + REVALIDATE_GRACE_MS - 20 && attempt < 3) continue;
      expect(answer).toBe('first\n');
      break;
    }
    const get = () => local.answerNow({ method: 'GET', path: url, headers: {} });
    // ...and once it is done, never the old bytes again.
    const started = Date.now();
    while (bodyOf(get()) === 'first\n') {
      expect(Date.now() - started).toBeLessThan(REVALIDATE_GRACE_MS + 1500);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(bodyOf(await local.handle({ method: 'GET', path: url, headers: {} }))).toBe('second, longer\n');
    expect(bodyOf(get())).toBe('second, longer\n');
    // Idle beyond the bound and its grace: nothing from memory, the ordinary path looks first.
    await writeFile(path.join(root, url), 'third\n');
    await new Promise((resolve) => setTimeout(resolve, REVALIDATE_MS + REVALIDATE_GRACE_MS + 20));
    expect(get()).toBeUndefined();
    expect(bodyOf(await local.handle({ method: 'GET', path: url, headers: {} }))).toBe('third\n');
  });

  it('never throws, even for a root that does not exist or garbage requests', async () => {
    const missing = new StaticSite({ root: path.join(workDir, 'no-such-dir') });
    expect(await missing.resolve('/index.html')).toBeNull();
    expect((await missing.handle({ method: 'GET', path: '/index.html', headers: {} })).status).toBe(404);
    const garbage = [
      { method: 'GET', path: undefined as unknown as string, headers: {} },
      { method: 'GET', path: '/index.html', headers: { range: ['bytes=0-1', 'bytes=2-3'] } },
      { method: 'GET', path: '/index.html', headers: { 'if-none-match': '"'.repeat(20_000) } },
      { method: 'GET', path: '/index.html', headers: { 'if-modified-since': 'yesterday' } },
      { method: 'GET', path: '/index.html', headers: { 'accept-encoding': 'br;q=nan, gzip;q=2' } },
      { method: undefined as unknown as string, path: '/', headers: {} },
    ];
    for (const request of garbage) {
      const response = await site.handle(request);
      expect(response.status).toBeGreaterThanOrEqual(200);
    }
  });
});
