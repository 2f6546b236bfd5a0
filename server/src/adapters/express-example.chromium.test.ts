import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { encodeDigest, formatCacheDigestHeader, PushStreamReader } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../e2e/src/harness/launch-chromium.ts';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { startExample, startRecordingProxy, visitPage, type RunningExample } from './test-support/example-in-chromium.ts';

/** `npm run example:express` on any free port (the command the script runs); resolves once it printed its URL. */
const startExpressExample = () =>
  startExample('example:express', ['--import', 'tsx', '--conditions=source', path.join('examples', 'express-ssr', 'server.mjs')], { PORT: '0', HOST: '127.0.0.1', LOG: 'none' }, /^http:\/\/localhost:(\d+)\/$/m);

interface Seen {
  path: string;
  summary: string | undefined;
  streamed: string | undefined;
  setCookie: boolean;
  /** In a push stream, when (ms since the request) the first asset part and the page part started through the proxy. */
  firstAssetMs?: number;
  pageHeadMs?: number;
}

/** What crosses the network between Chromium and the example, push stream parts timed. */
function record(req: http.IncomingMessage, answer: http.IncomingMessage, startedAt: number): Seen {
  const entry: Seen = {
    path: req.url ?? '',
    summary: answer.headers['cache-digest-push'] as string | undefined,
    streamed: answer.headers['push-stream-urls'] as string | undefined,
    setCookie: answer.headers['set-cookie'] !== undefined,
  };
  if (entry.streamed !== undefined) {
    const reader = new PushStreamReader();
    // A gzip-encoded stream (the default for Chromium) is read as it decodes, chunk by chunk.
    const decoded = answer.headers['content-encoding'] === 'gzip' ? answer.pipe(zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH })) : answer;
    decoded.on('error', () => undefined);
    decoded.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.type !== 'head') continue;
        if (event.role === 'asset') entry.firstAssetMs ??= performance.now() - startedAt;
        if (event.role === 'page') entry.pageHeadMs ??= performance.now() - startedAt;
      }
    });
  }
  return entry;
}

function get(port: number, pathname: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, headers: { host: `localhost:${port}`, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const ASSETS = ['/app.css', '/app.js', '/post.css', '/account.css', '/slow.css'];

describe('the Express example (npm run example:express)', () => {
  let example: RunningExample | undefined;

  beforeAll(async () => {
    example = await startExpressExample();
  }, 120_000);
  afterAll(async () => {
    await example?.stop();
  });

  it('prints its URL once listening; a repeat request with a digest gets only what is missing, for a route never requested before', async () => {
    const { port } = example!;
    const origin = `http://localhost:${port}`;
    const first = await get(port, '/posts/2', { 'accept-push-stream': '1' });
    expect(first.status).toBe(200);
    expect(parseSummaryHeader(first.headers['cache-digest-push'] as string)).toMatchObject({ mode: 'stream', digest: 0, pushed: 3, skipped: 0 });
    // What /posts/2 brought: the shared assets and the route's own stylesheet.
    const digest = formatCacheDigestHeader([{ digest: encodeDigest([`${origin}/app.css`, `${origin}/app.js`, `${origin}/post.css`], { pBits: 7 }), complete: true }]);
    const repeat = await get(port, '/posts/1', { 'accept-push-stream': '1', 'cache-digest': digest });
    expect(parseSummaryHeader(repeat.headers['cache-digest-push'] as string)).toMatchObject({ mode: 'stream', digest: 3, pushed: 0, skipped: 3 });
    // Another page: only its own asset is missing.
    const slow = await get(port, '/slow', { 'accept-push-stream': '1', 'cache-digest': digest });
    expect(parseSummaryHeader(slow.headers['cache-digest-push'] as string)).toMatchObject({ mode: 'stream', pushed: 1, skipped: 2 });
    expect(slow.headers['push-stream-urls']).toBe('/slow.css');
    // Hints to a client without a worker; a path no page or route names passes through without a summary.
    const hinted = await get(port, '/posts/3', { 'cache-digest': digest });
    expect(parseSummaryHeader(hinted.headers['cache-digest-push'] as string)).toMatchObject({ mode: 'hints', pushed: 0, skipped: 3 });
    const other = await get(port, '/posts/3/comments', {});
    expect(other.status).toBe(404);
    expect(other.headers['cache-digest-push']).toBeUndefined();
  });

  it('in real Chromium with the worker: a route brings only its own assets; a slow page’s asset arrives before the page; a page that sets a cookie gets it into the jar, in stream mode too', async () => {
    const proxy = await startRecordingProxy(example!.port, record);
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'cache-digest-express-'));
    const context = await launchChromium({ userDataDir: path.join(workDir, 'profile'), spki: '', serviceWorkers: 'allow' });
    try {
      const tab = context.pages()[0] ?? (await context.newPage());
      const visit = async (pathname: string) => {
        proxy.seen.length = 0;
        await visitPage(tab, `http://localhost:${proxy.port}${pathname}`, { readyFlag: 'appReady', settle: true });
        return proxy.seen.filter((entry) => entry.path === pathname);
      };
      const assetRequests = () => proxy.seen.filter((entry) => ASSETS.includes(entry.path)).map((entry) => entry.path);

      await visit('/'); // installs the worker

      // The route's first visit: its own stylesheet is streamed, the shared assets the home page brought are not.
      const [post2] = await visit('/posts/2');
      expect(parseSummaryHeader(post2!.summary)).toMatchObject({ mode: 'stream', pushed: 1, skipped: 2 });
      expect(post2!.streamed).toBe('/post.css');
      expect(assetRequests()).toEqual([]);

      // /posts/1, never visited before, same route: neither the shared assets nor the route's own are sent again.
      const [post1] = await visit('/posts/1');
      expect(parseSummaryHeader(post1!.summary)).toMatchObject({ mode: 'stream', pushed: 0, skipped: 3 });
      expect(post1!.streamed).toBe('');
      expect(assetRequests()).toEqual([]);
      expect(await tab.locator('h1').textContent()).toBe('Post “1”');

      // The slow page (200 ms to build): its missing asset passes on its way to the browser before the page starts.
      const [slow] = await visit('/slow');
      expect(parseSummaryHeader(slow!.summary)).toMatchObject({ mode: 'stream', pushed: 1, skipped: 2 });
      expect(slow!.pageHeadMs! - slow!.firstAssetMs!).toBeGreaterThan(100);
      expect(assetRequests()).toEqual([]);

      // A cookie page the server has not seen yet: the stream brings its asset, the worker sees the page set a
      // cookie and asks the network for the page itself, which carries Set-Cookie (one extra round trip, once).
      const account = await visit('/account');
      expect(account.map((entry) => parseSummaryHeader(entry.summary)?.mode)).toEqual(['stream', 'hints']);
      expect(account[0]!.streamed).toBe('/account.css');
      expect(account[1]!.setCookie).toBe(true);
      expect(assetRequests()).toEqual([]);
      const session = (await context.cookies()).find((cookie) => cookie.name === 'session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(await tab.locator('h1').textContent()).toBe('Account');

      // Known now: the page is answered as itself (hints), the cookie set in one request.
      await context.clearCookies();
      const again = await visit('/account');
      expect(again.map((entry) => parseSummaryHeader(entry.summary)?.mode)).toEqual(['hints']);
      expect(again[0]!.setCookie).toBe(true);
      expect((await context.cookies()).some((cookie) => cookie.name === 'session')).toBe(true);
      expect(assetRequests()).toEqual([]);
    } finally {
      await context.close();
      await proxy.close();
      await rm(workDir, { recursive: true, force: true });
    }
  }, 180_000);
});
