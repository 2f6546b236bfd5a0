// The demo build's content-hashed assets are all served `immutable` by
// `cache-digest serve`: known from the push manifest's `immutable` list that
// the Vite plugin writes, and guessed right from the names alone when a
// folder has no such list (Vite's 8-character base64url hashes often have no
// digit: `escape-html-DdorVCpF.js`).
import http2 from 'node:http2';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '@cache-digest/server';
import { buildDemoSite, type BuiltSite } from '../harness/build-demo-site.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
let workDir: string;
let demo: BuiltSite;

/** Every file's Cache-Control as `server` sends it, by URL path. */
async function cacheControls(server: RunningServer, paths: readonly string[]): Promise<Map<string, string>> {
  const session = http2.connect(server.url, { rejectUnauthorized: false });
  try {
    const entries = await Promise.all(
      paths.map(
        (urlPath) =>
          new Promise<[string, string]>((resolve, reject) => {
            const stream = session.request({ ':path': urlPath, ':method': 'HEAD' });
            stream.on('response', (headers) => resolve([urlPath, String(headers['cache-control'] ?? '')]));
            stream.on('error', reject);
            stream.end();
          }),
      ),
    );
    return new Map(entries);
  } finally {
    session.close();
  }
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-immutable-'));
  demo = await buildDemoSite({ workDir, outDir: path.join(workDir, 'demo') });
}, 120_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the demo build, served by cache-digest serve', () => {
  it('lists every hashed asset in its push manifest and serves exactly those immutable', async () => {
    const manifest = JSON.parse(await readFile(path.join(demo.dir, 'push-manifest.json'), 'utf8')) as { immutable?: string[] };
    // Vite writes only content-hashed files into assets/ (the demo has no public folder).
    const hashed = [...demo.files.keys()].filter((urlPath) => urlPath.startsWith('/assets/')).sort();
    expect(hashed.length).toBeGreaterThan(30);
    expect(manifest.immutable).toEqual(hashed);
    const server = await startServer({ root: demo.dir, certDir: path.join(workDir, 'certs'), log: false });
    try {
      const controls = await cacheControls(server, [...demo.files.keys()]);
      for (const [urlPath, value] of controls) expect([urlPath, value === IMMUTABLE]).toEqual([urlPath, hashed.includes(urlPath)]);
      expect(controls.get('/cache-digest-sw.js')).not.toBe(IMMUTABLE);
      expect(controls.get('/index.html')).toBe('no-cache');
      console.log(`demo build: ${hashed.length} content-hashed assets, all served immutable`);
    } finally {
      await server.close();
    }
  });

  it('without the list, the file-name guess still serves every hashed asset immutable, and --immutable adds globs', async () => {
    const names = [...demo.files.keys()];
    const hashed = names.filter((urlPath) => urlPath.startsWith('/assets/'));
    // Several of the demo's hashes have no digit: the old guess missed those.
    expect(hashed.filter((urlPath) => !/-[A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*\.[a-z0-9]+$/.test(urlPath)).length).toBeGreaterThan(0);
    const server = await startServer({
      root: demo.dir,
      certDir: path.join(workDir, 'certs'),
      log: false,
      manifest: { version: 1, pages: {} },
      immutable: ['/push-manifest.json'],
    });
    try {
      const controls = await cacheControls(server, names);
      for (const urlPath of hashed) expect([urlPath, controls.get(urlPath)]).toEqual([urlPath, IMMUTABLE]);
      expect(controls.get('/push-manifest.json')).toBe(IMMUTABLE);
      expect(controls.get('/cache-digest.js')).toBe('public, max-age=3600');
    } finally {
      await server.close();
    }
  });
});
