import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import tls from 'node:tls';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestSite, type TestSite } from '../adapters/test-support/test-site.ts';
import { h2Get, nghttpGet } from '../adapters/test-support/test-clients.ts';
import { spkiHash } from '../tls/index.ts';
import { main } from './main.ts';
import { CLI_NODE_ARGS } from './test-support/cli-command.ts';

const ALL = ['/assets/app.css', '/assets/legacy.js', '/assets/main.js', '/fonts/x.woff2', '/img/logo.png'];

let site: TestSite;
let cwd: string;
const children = new Set<ChildProcess>();

/** Starts `cache-digest serve` and waits (bounded) for its `spki:` line. */
async function serve(args: string[]) {
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    // Generous: startup bundles the client's scripts (Vite) on a possibly busy machine.
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stdout}\n${stderr}`)), 60_000);
    const check = () => {
      if (/^spki: /m.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  const url = /at (https:\/\/\S+)/.exec(stdout)![1]!;
  return {
    url,
    origin: url.replace(/\/$/, ''),
    output: () => stdout,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      children.delete(child);
      return code;
    },
  };
}

beforeAll(async () => {
  site = await createTestSite();
  cwd = await mkdtemp(path.join(tmpdir(), 'cache-digest-serve-'));
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await site?.remove();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe('cache-digest serve', () => {
  it('serves a folder over HTTP/2 with a built manifest, prints URL, CA and spki, logs, and exits 0 on SIGTERM', async () => {
    const server = await serve([site.root, '--port', '0', '--stats']);
    const output = server.output();
    expect(output).toMatch(/^ca: .*ca\.crt$/m);
    const spki = /^spki: (\S+)$/m.exec(output)![1];
    const leaf = await readFile(path.join(cwd, '.dev-certs', 'localhost.crt'), 'utf8');
    expect(spki).toBe(spkiHash(leaf));

    const pushed = await nghttpGet(server.url);
    expect(pushed.pushedPaths).toEqual(ALL);
    const stats = JSON.parse((await h2Get(server.origin, '/.well-known/cache-digest-stats')).body.toString());
    expect(stats).toMatchObject({ requests: 1, assetsPushed: 5, digestsSeen: 0 });

    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/cache-digest: GET \/ 200 \| mode=push; digest=0; pushed=5; skipped=0/);
    expect(server.output()).toMatch(/^stats: \{"requests":1,/m);
  }, 90_000);

  it('uses push-manifest.json from the folder and honours --mode', async () => {
    const manifest = { version: 1, pages: { '/index.html': [site.pages['/index.html']![0]] } };
    await writeFile(path.join(site.root, 'push-manifest.json'), JSON.stringify(manifest));
    try {
      const server = await serve([site.root, '--port', '0', '--mode', 'hints']);
      const result = await nghttpGet(server.url);
      expect(result.pushedPaths).toEqual([]);
      expect(result.output).toMatch(/link: <\/assets\/app\.css>; rel=preload; as=style/);
      expect(result.output).not.toMatch(/legacy\.js>; rel=preload/);
      expect(await server.stop()).toBe(0);
    } finally {
      await rm(path.join(site.root, 'push-manifest.json'));
    }
  }, 90_000);

  it('serves the client scripts the folder lacks from memory; --inject-loader tags the pages; --no-client serves none', async () => {
    // Valid HTML may leave out both <head> and <body>; such a page is tagged too (after its doctype).
    const headless = '<!doctype html><title>No head</title><p>A page without head or body tags.';
    await writeFile(path.join(site.root, 'headless.html'), headless);
    const server = await serve([site.root, '--port', '0', '--mode', 'hints', '--inject-loader']);
    expect(server.output()).toMatch(/^client scripts \(from memory\): \/cache-digest\.js \/cache-digest-sw\.js$/m);
    const worker = await h2Get(server.origin, '/cache-digest-sw.js');
    expect(worker.status).toBe(200);
    expect(worker.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(worker.body.length).toBeGreaterThan(1000);
    const page = await h2Get(server.origin, '/');
    expect(page.body.toString()).toBe(site.pageBody.replace('</head>', '<script src="/cache-digest.js" async></script></head>'));
    const headlessPage = await h2Get(server.origin, '/headless.html');
    expect(headlessPage.body.toString()).toBe(headless.replace('<!doctype html>', '<!doctype html><script src="/cache-digest.js" async></script>'));
    expect(await server.stop()).toBe(0);
    await rm(path.join(site.root, 'headless.html'));

    const bare = await serve([site.root, '--port', '0', '--no-client']);
    expect(bare.output()).not.toMatch(/client scripts/);
    expect((await h2Get(bare.origin, '/cache-digest.js', { enablePush: false })).status).toBe(404);
    expect((await h2Get(bare.origin, '/', { enablePush: false })).body.toString()).toBe(site.pageBody);
    expect(await bare.stop()).toBe(0);
  }, 90_000);

  it('--log full --log-format json writes one JSON object per page request with every URL; --log none writes none', async () => {
    const json = await serve([site.root, '--port', '0', '--no-client', '--log', 'full', '--log-format', 'json']);
    await nghttpGet(json.url);
    expect(await json.stop()).toBe(0);
    const records = json
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ method: 'GET', path: '/', status: 200, mode: 'push', pushed: 5, skipped: 0 });
    expect([...records[0].pushedUrls].sort()).toEqual(ALL);

    const quiet = await serve([site.root, '--port', '0', '--no-client', '--log', 'none']);
    await nghttpGet(quiet.url);
    expect(await quiet.stop()).toBe(0);
    expect(quiet.output()).not.toMatch(/GET \//);
  }, 90_000);

  it('--immutable GLOB (repeatable) serves matching files immutable', async () => {
    const server = await serve([site.root, '--port', '0', '--immutable', '/img/**', '--immutable', '*.woff2']);
    const cacheControl = async (urlPath: string) => (await h2Get(server.origin, urlPath)).headers['cache-control'];
    expect(await cacheControl('/img/logo.png')).toBe('public, max-age=31536000, immutable');
    expect(await cacheControl('/fonts/x.woff2')).toBe('public, max-age=31536000, immutable');
    expect(await cacheControl('/assets/main.js')).toBe('public, max-age=3600');
    expect(await server.stop()).toBe(0);
  }, 90_000);

  it('refuses bad arguments with exit code 2', async () => {
    const errors: string[] = [];
    const io = { stdin: (async function* () {})(), stdout: () => {}, stderr: (text: string) => errors.push(text) };
    expect(await main(['serve'], io)).toBe(2);
    expect(await main(['serve', site.root, '--mode', 'fast'], io)).toBe(2);
    expect(await main(['serve', path.join(site.root, 'missing')], io)).toBe(2);
    expect(await main(['serve', site.root, '--cert', 'x.pem'], io)).toBe(2);
    expect(await main(['serve', site.root, '--log', 'loud'], io)).toBe(2);
    expect(await main(['serve', site.root, '--log-format', 'xml'], io)).toBe(2);
    expect(await main(['serve', site.root, '--immutable', ''], io)).toBe(2);
    expect(await main(['serve', site.root, '--stream-compression', 'maybe'], io)).toBe(2);
    expect(await main(['serve', site.root, '--delta-parts', 'maybe'], io)).toBe(2);
    expect(await main(['serve', site.root, '--previous', path.join(site.root, 'missing')], io)).toBe(2);
    expect(await main(['serve', site.root, '--stalled-streams', '0'], io)).toBe(2);
    expect(await main(['serve', site.root, '--keep-alive-timeout', 'x'], io)).toBe(2);
    expect(errors.join('')).toMatch(/--mode must be one of/);
    expect(errors.join('')).toMatch(/--log must be one of/);
    expect(errors.join('')).toMatch(/--log-format must be one of/);
    expect(errors.join('')).toMatch(/--immutable needs a glob/);
    expect(errors.join('')).toMatch(/--stream-compression must be on\|off/);
    expect(errors.join('')).toMatch(/--delta-parts must be on\|off/);
    expect(errors.join('')).toMatch(/--previous .*missing is not a directory/);
    expect(errors.join('')).toMatch(/--stalled-streams must be a positive number/);
    expect(errors.join('')).toMatch(/--keep-alive-timeout must be a positive number/);
  });

  it('--closed-window-streams, --stalled-streams and --keep-alive-timeout reach the server and change what it does', async () => {
    await writeFile(path.join(site.root, 'big.bin'), randomBytes(1024 * 1024));
    try {
      const server = await serve([site.root, '--port', '0', '--no-client', '--log', 'none', '--closed-window-streams', '1', '--stalled-streams', '2', '--keep-alive-timeout', '1.5']);
      const requests = (window: number, count: number, urlPath: string) => {
        const session = http2.connect(server.origin, { rejectUnauthorized: false, settings: { enablePush: false, initialWindowSize: window } });
        session.on('error', () => {});
        const codes = Array.from({ length: count }, () => {
          const req = session.request({ ':path': urlPath });
          req.on('error', () => {});
          req.pause(); // never read
          return new Promise<number>((resolve) => req.on('close', () => resolve(req.rstCode ?? -1)));
        });
        return { session, codes };
      };
      // Windows shut: one stream served (the default serves 4), the other two refused at once.
      const closed = requests(0, 3, '/');
      expect((await Promise.all(closed.codes.slice(1))).sort()).toEqual([http2.constants.NGHTTP2_REFUSED_STREAM, http2.constants.NGHTTP2_REFUSED_STREAM]);
      closed.session.destroy();
      // A 16 KiB window never read: 2 streams kept (the default keeps 8), the 4 others reset within seconds.
      const stalled = requests(16 * 1024, 6, '/big.bin');
      expect((await Promise.all(stalled.codes.slice(2))).sort()).toEqual(Array.from({ length: 4 }, () => http2.constants.NGHTTP2_CANCEL));
      stalled.session.destroy();
      // An idle HTTP/1.1 keep-alive connection: closed after 1.5 s (the default waits 5 min).
      const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(server.origin).port), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      socket.on('error', () => {});
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const gone = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      socket.write('GET /about/ HTTP/1.1\r\nHost: localhost\r\n\r\n');
      while (!received.includes('</title>')) await new Promise((resolve) => setTimeout(resolve, 20));
      const idle = Date.now();
      const idleMs = (await gone) - idle;
      expect(idleMs).toBeGreaterThan(1300);
      expect(idleMs).toBeLessThan(5000);
      expect(await server.stop()).toBe(0);
    } finally {
      await rm(path.join(site.root, 'big.bin'));
    }
  }, 90_000);
});
