import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeDigest, formatCacheDigestHeader } from '@cache-digest/shared';
import { buildManifest } from '../manifest/index.ts';
import { orderAssets } from '../core/order-assets.ts';
import { preloadLink } from '../core/preload-link.ts';
import { ensureDevCertificate } from '../tls/index.ts';
import { createCacheDigestServer, type CacheDigestServer } from './create-cache-digest-server.ts';
import { createTestSite, type TestSite } from './test-support/test-site.ts';
import { h2Get, nghttpGet } from './test-support/test-clients.ts';
import http2 from 'node:http2';

// The same folder, the same request and the same `cache-digest` header,
// sent with nghttp to H2O 2.2.5 (preloading the page's assets through Link
// headers, which it pushes) and to our server: the pushed paths must agree.
const H2O = '/usr/bin/h2o';
const hasH2o = existsSync(H2O);
if (!hasH2o) console.warn(`skipping the H2O parity test: ${H2O} is missing (apt-get install -y h2o)`);

// Both servers see this authority (nghttp -H ':authority: localhost'), so one digest fits both.
const AUTHORITY = 'localhost';

let site: TestSite;
let workDir: string;
let h2o: ChildProcess | undefined;
let h2oOrigin: string;
let ours: CacheDigestServer;
let oursOrigin: string;
let assetUrls: string[];
let certificate: { cert: string; key: string };
let manifest: Awaited<ReturnType<typeof buildManifest>>;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startH2o(config: string, dir: string, port: number): Promise<ChildProcess> {
  const configPath = path.join(dir, 'h2o.conf');
  await writeFile(configPath, config);
  const child = spawn(H2O, ['-c', configPath], { stdio: ['ignore', 'ignore', 'ignore'] });
  h2o = child; // so afterAll stops it whatever happens next
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  // Ready when it accepts connections (bounded: 200 tries, 100 ms apart).
  for (let attempt = 0; attempt < 200; attempt++) {
    if (exited !== null) {
      const log = await readFile(path.join(dir, 'h2o-error.log'), 'utf8').catch(() => '');
      throw new Error(`h2o exited with ${exited}:\n${log}`);
    }
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (connected) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('h2o did not start listening within 20 s');
}

beforeAll(async () => {
  if (!hasH2o) return;
  site = await createTestSite();
  // H2O started as root serves as `nobody`: the folder must be world-readable (mkdtemp makes it 0700).
  await chmod(site.root, 0o755);
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-h2o-'));
  const cert = await ensureDevCertificate(path.join(workDir, 'certs'));
  certificate = cert;
  await writeFile(path.join(workDir, 'leaf.crt'), cert.cert);
  await writeFile(path.join(workDir, 'leaf.key'), cert.key);
  manifest = await buildManifest(site.root);
  const page = orderAssets(manifest.pages['/index.html']!);
  assetUrls = page.map((asset) => asset.url);
  expect(assetUrls.length).toBeGreaterThan(2);

  // H2O pushes the Link targets an mruby handler adds with status 399 (then serves the file).
  const links = page.map((asset) => preloadLink(asset, { forProxy: true })).join('\\n');
  const port = await freePort();
  await startH2o(
    `listen:
  port: ${port}
  host: 127.0.0.1
  ssl:
    certificate-file: ${path.join(workDir, 'leaf.crt')}
    key-file: ${path.join(workDir, 'leaf.key')}
    ocsp-update-interval: 0
error-log: ${path.join(workDir, 'h2o-error.log')}
http2-casper: OFF
hosts:
  default:
    paths:
      "/":
        mruby.handler: |
          Proc.new do |env|
            if env["PATH_INFO"] == "/" || env["PATH_INFO"] == "/index.html"
              [399, { "link" => "${links.replace(/"/g, '\\"')}" }, []]
            else
              [399, {}, []]
            end
          end
        file.dir: ${site.root}
`,
    workDir,
    port,
  );
  h2oOrigin = `https://127.0.0.1:${port}`;

  ours = createCacheDigestServer({ site: site.site, cert: cert.cert, key: cert.key, pages: manifest.pages, mode: 'auto', log: false });
  await new Promise<void>((resolve) => ours.server.listen(0, '127.0.0.1', resolve));
  oursOrigin = `https://127.0.0.1:${(ours.server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  if (h2o && h2o.exitCode === null && h2o.signalCode === null) {
    const exited = new Promise((resolve) => h2o!.once('exit', resolve));
    h2o.kill('SIGTERM');
    await exited;
  }
  await ours?.shutdown(500);
  await site?.remove();
  if (workDir && !process.env.KEEP_H2O_DIR) await rm(workDir, { recursive: true, force: true });
});

function digestOf(urls: string[], flags: { stale?: boolean } = {}): string {
  const digest = encodeDigest(urls.map((url) => `https://${AUTHORITY}${url}`), { pBits: 16 });
  return formatCacheDigestHeader([{ digest, complete: true, ...flags }]);
}

async function pushedBy(origin: string, digest: string | undefined): Promise<string[]> {
  const headers: Record<string, string> = { ':authority': AUTHORITY };
  if (digest !== undefined) headers['cache-digest'] = digest;
  const result = await nghttpGet(`${origin}/`, { headers });
  expect(result.code, result.output).toBe(0);
  // The page itself was served (stream 13 is nghttp's request).
  expect(result.output).toMatch(/recv \(stream_id=13\) :status: 200/);
  return result.pushedPaths;
}

describe.skipIf(!hasH2o)('push parity with H2O 2.2.5', () => {
  it('pushes the same set of assets as H2O for the same cache-digest header', async () => {
    const cases: [name: string, digest: string | undefined][] = [
      ['no digest', undefined],
      ['some cached', digestOf([assetUrls[0]!, assetUrls[2]!])],
      ['all cached', digestOf(assetUrls)],
      ['one cached', digestOf([assetUrls.at(-1)!])],
      // H2O skips a member with the stale flag; we treat a stale digest without validators as holding nothing fresh.
      ['stale digest only', digestOf(assetUrls, { stale: true })],
      ['malformed digest', '!!not-base64!!'],
    ];
    for (const [name, digest] of cases) {
      const [theirs, mine] = await Promise.all([pushedBy(h2oOrigin, digest), pushedBy(oursOrigin, digest)]);
      expect(new Set(mine), name).toEqual(new Set(theirs));
    }
    // The comparison is not vacuous: the cases above push different sets.
    expect(new Set(await pushedBy(h2oOrigin, undefined))).toEqual(new Set(assetUrls));
    expect(await pushedBy(h2oOrigin, digestOf(assetUrls))).toEqual([]);
  });

  it('pushes what H2O pushes for headers holding malformed or unsupported members', async () => {
    const half = digestOf(assetUrls.filter((_, i) => i % 2 === 0));
    const others = digestOf(assetUrls.filter((_, i) => i % 2 === 1));
    const cases: [name: string, digest: string][] = [
      ['stale member first (the H2O unit-test shape)', `FOO; stale, ${half}`],
      ['malformed base64 after a valid member', `${half}, !!bad!!`],
      ['truncated member first', `Af, ${half}`],
      ['unknown flag on the second member', `${half}, ${others}; x-unknown`],
      ['empty complete validators member', `AcA; validators; complete, ${half}`],
      ['reset on a malformed member between two valid ones', `${others}, FOO; reset, ${half}`],
    ];
    const rows: string[] = [];
    for (const [name, digest] of cases) {
      const [theirs, mine] = await Promise.all([pushedBy(h2oOrigin, digest), pushedBy(oursOrigin, digest)]);
      rows.push(`${name}: H2O ${theirs.length}, ours ${mine.length}`);
      expect(new Set(mine), name).toEqual(new Set(theirs));
    }
    // Not vacuous: a mixed header pushes some assets but not all.
    const mixed = await pushedBy(h2oOrigin, cases[0]![1]);
    expect(mixed.length).toBeGreaterThan(0);
    expect(mixed.length).toBeLessThan(assetUrls.length);
    console.log(`H2O parity (mixed headers, pushed of ${assetUrls.length}): ${rows.join('; ')}`);
  });

  it('scopes digests to the request as H2O 2.2.5 does (it keeps them on the stream); connection scope is the opt-in', async () => {
    // On one connection: a digest of all but the first asset, then no digest, then `AcA; reset`.
    const sequence: (string | undefined)[] = [digestOf(assetUrls.slice(1)), undefined, 'AcA; reset'];
    const run = async (origin: string): Promise<string[][]> => {
      const session = http2.connect(origin, { rejectUnauthorized: false, settings: { enablePush: true } });
      session.on('error', () => {});
      try {
        const pushed: string[][] = [];
        for (const digest of sequence) {
          const result = await h2Get(origin, '/', { session, headers: { ':authority': AUTHORITY, ...(digest === undefined ? {} : { 'cache-digest': digest }) } });
          expect(result.status).toBe(200);
          pushed.push(result.pushes.map((push) => push.path).sort());
        }
        return pushed;
      } finally {
        session.close();
      }
    };
    const scoped = createCacheDigestServer({ site: site.site, cert: certificate.cert, key: certificate.key, pages: manifest.pages, mode: 'auto', log: false, pushDigestScope: 'connection' });
    await new Promise<void>((resolve) => scoped.server.listen(0, '127.0.0.1', resolve));
    try {
      const scopedOrigin = `https://127.0.0.1:${(scoped.server.address() as AddressInfo).port}`;
      const [theirs, mine, connection] = await Promise.all([run(h2oOrigin), run(oursOrigin), run(scopedOrigin)]);
      // H2O: request 2 (no digest) gets every asset not pushed on this connection yet; nothing is ever pushed twice.
      expect(theirs).toEqual([[assetUrls[0]], assetUrls.slice(1).sort(), []]);
      expect(mine).toEqual(theirs);
      // Connection scope: request 2 still has the digest; the reset forgets it and request 3 gets the rest.
      expect(connection).toEqual([[assetUrls[0]], [], assetUrls.slice(1).sort()]);
      console.log(`H2O parity (one connection: digest, none, reset): H2O ${JSON.stringify(theirs)}, ours ${JSON.stringify(mine)}, ours with connection scope ${JSON.stringify(connection)}`);
    } finally {
      await scoped.shutdown(500);
    }
  });
});
