import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { contentDigestValue, encodeDigest, formatCacheDigestHeader, formatPreloadValue } from '@cache-digest/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../../core/summary-header.ts';
import { BIG_FILES, FIXTURE_ASSETS, FIXTURE_FILES, PRE_FILES } from './fixture-site.ts';
import { startFixtureOrigin, type FixtureOrigin } from './fixture-origin.ts';
import type { RunningRuntime } from './launch-runtime.ts';
import { readPushStream } from './read-push-stream.ts';

const ALL = FIXTURE_ASSETS.map((asset) => asset.url);
/** How workerd (`Uncaught exception`), Deno (`error: Uncaught`) and Bun (`error:`, `Unhandled`) print an error nobody caught. */
const UNCAUGHT = /uncaught|unhandled|^error:/im;
const text = (body: string | Uint8Array) => (typeof body === 'string' ? body : new TextDecoder().decode(body));

/**
 * The behaviour every runtime must show, against the real runtime over
 * HTTP: one runtime process and one origin per test file.
 */
export function runtimeContract(name: string, launch: (origin: string) => Promise<RunningRuntime>): void {
  describe(`fetch handler on ${name}`, () => {
    let origin: FixtureOrigin;
    let runtime: RunningRuntime;

    beforeAll(async () => {
      origin = await startFixtureOrigin({ slowMs: 200 });
      runtime = await launch(origin.url);
    }, 90_000);
    afterAll(async () => {
      await runtime?.stop();
      await origin?.close();
      // Every test's requests, the runtime's output complete now that it stopped.
      if (runtime) expect(runtime.output()).not.toMatch(UNCAUGHT);
    });

    const digestOf = (urls: string[]) =>
      formatCacheDigestHeader([{ digest: encodeDigest(urls.map((url) => runtime.url + url), { pBits: 16 }), complete: true }]);
    const get = (path: string, headers: Record<string, string> = {}) => fetch(runtime.url + path, { headers });

    async function expectStream(response: Response, assets: string[], page = text(FIXTURE_FILES['/index.html']!.body)) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/vnd\.cache-digest\.push-stream/);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      const summary = parseSummaryHeader(response.headers.get('cache-digest-push'));
      expect(summary).toMatchObject({ mode: 'stream', pushed: assets.length, skipped: ALL.length - assets.length });
      const { parts, fin, failed } = await readPushStream(response);
      expect({ fin, failed }).toEqual({ fin: true, failed: false });
      const pagePart = parts.find((part) => part.role === 'page')!;
      expect(pagePart).toMatchObject({ status: 200, outcome: 'end', body: page });
      expect(pagePart.headers['set-cookie']).toBeUndefined();
      const assetParts = parts.filter((part) => part.role === 'asset');
      expect(assetParts.map((part) => part.url)).toEqual(assets);
      for (const part of assetParts) {
        expect(part).toMatchObject({ status: 200, outcome: 'end', body: text(FIXTURE_FILES[part.url]!.body) });
        expect(part.headers['content-length']).toBe(String(new TextEncoder().encode(part.body).byteLength));
        expect(part.headers['content-type']).toBe(FIXTURE_FILES[part.url]!.type);
      }
      return parts;
    }

    it('streams exactly the assets a digest lacks, from the header or the navigation preload value', async () => {
      await expectStream(await get('/', { 'accept-push-stream': '1', 'cache-digest': digestOf(['/app.css']) }), ['/app.js', '/font.woff2']);
      await expectStream(await get('/', { 'service-worker-navigation-preload': formatPreloadValue(digestOf(['/app.js', '/font.woff2'])) }), ['/app.css']);
    });

    // node:http, not fetch: fetch would decode the body (and ask for gzip) on its own.
    const raw = (encoding: string, path = '/big.html') =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        http.get(runtime.url + path, { headers: { 'accept-push-stream': '1', 'accept-encoding': encoding } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
        }).on('error', reject);
      });

    it('sends a gzip stream (text assets and page compressed) to a client that accepts gzip, identity to one that does not', async () => {
      const files = { ...FIXTURE_FILES, ...BIG_FILES };
      const gzip = await raw('gzip, deflate, br');
      const identity = await raw('identity');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(identity.headers['content-encoding']).toBeUndefined();
      for (const { headers } of [gzip, identity]) expect(headers.vary).toMatch(/accept-encoding/i);
      for (const body of [gunzipSync(gzip.body), identity.body]) {
        const { parts, fin, failed } = await readPushStream(new Response(new Uint8Array(body)));
        expect({ fin, failed }).toEqual({ fin: true, failed: false });
        expect(parts.map((part) => part.url).sort()).toEqual(['/big.html', '/font.woff2', '/lib.js']);
        expect(parts.every((part) => part.outcome === 'end')).toBe(true);
        for (const part of parts) {
          const expected = files[part.url]!.body as string;
          expect(part.body).toBe(expected);
          if (part.role === 'asset') expect(part.headers['content-digest']).toBe(contentDigestValue(new TextEncoder().encode(expected)));
        }
      }
      // lib.js and the page compress to a fraction; the font (not a text type) goes stored.
      expect(gzip.body.byteLength * 3).toBeLessThan(identity.body.byteLength);
    });

    it('takes an asset body\'s pieces from its build-time pieces file instead of compressing it in the isolate, unless the file is stale', async () => {
      const compressions = async () => Number(await (await get('/', { 'x-fixture': 'compressions' })).text());
      const before = await compressions();
      const { headers, body } = await raw('gzip', '/pre.html');
      expect(headers['content-encoding']).toBe('gzip');
      const { parts, fin } = await readPushStream(new Response(new Uint8Array(gunzipSync(body))));
      expect(fin).toBe(true);
      expect(parts.map((part) => [part.url, part.outcome, part.body])).toEqual(['/pre.html', '/pre.js', '/stale.js'].map((url) => [url, 'end', PRE_FILES[url]!.body]));
      // /pre.js from its pieces file; /stale.js's file was made from an older build: compressed here, once.
      expect(await compressions()).toBe(before + 1);
      await raw('gzip', '/pre.html');
      expect(await compressions()).toBe(before + 1);
      // /pre.js (about 95 KB of text) went deflated all the same.
      expect(body.byteLength * 4).toBeLessThan(new TextEncoder().encode(PRE_FILES['/pre.js']!.body as string).byteLength);
    });

    it('streams every asset without a digest or with a malformed one, and the page intact', async () => {
      await expectStream(await get('/', { 'accept-push-stream': '1' }), ALL);
      await expectStream(await get('/', { 'accept-push-stream': '1', 'cache-digest': '!!not a digest; complete' }), ALL);
      await expectStream(await get('/', { 'service-worker-navigation-preload': 'accept-push-stream=1; cache-digest=%%%' }), ALL);
    });

    it('answers hints with preload Links for the missing assets when no stream is asked for, even with a garbage preload value', async () => {
      const response = await get('/', { 'service-worker-navigation-preload': '=;=;garbage\u00ff', 'cache-digest': digestOf(['/app.css']) });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(text(FIXTURE_FILES['/index.html']!.body));
      expect(parseSummaryHeader(response.headers.get('cache-digest-push'))).toMatchObject({ mode: 'hints', pushed: 2, skipped: 1 });
      expect(response.headers.get('link')).toBe('</app.js>; rel=preload; as=script, </font.woff2>; rel=preload; as=font; crossorigin');
      expect(response.headers.get('vary')).toContain('cache-digest');
      expect(response.headers.get('cache-control')).toMatch(/^private/);
      const off = await get('/', { 'x-fixture-mode': 'off', 'accept-push-stream': '1' });
      expect(off.headers.get('cache-digest-push')).toBe('mode=none; digest=0; pushed=0; skipped=0; bytes=0');
      expect(off.headers.get('link')).toBeNull();
      const asset = await get('/app.css');
      expect(await asset.text()).toBe(FIXTURE_FILES['/app.css']!.body);
      expect((await get('/nothing-here')).status).toBe(404);
    });

    it('fronts an origin: the page from the origin, the missing assets fetched from it', async () => {
      const response = await get('/slow/', { 'x-fixture': 'origin', 'accept-push-stream': '1', 'cache-digest': digestOf(['/font.woff2']) });
      await expectStream(response, ['/app.css', '/app.js']);
      expect(origin.requests).toEqual(expect.arrayContaining(['/slow/', '/app.css', '/app.js']));
      expect(origin.requests).not.toContain('/font.woff2');
    });

    it('passes an origin 5xx through, and answers 504 for an origin that never answers', async () => {
      const stream = await readPushStream(await get('/fail/', { 'x-fixture': 'origin', 'accept-push-stream': '1' }));
      expect(stream.fin).toBe(true);
      expect(stream.parts.find((part) => part.role === 'page')).toMatchObject({ status: 500, outcome: 'end', body: 'origin failed\n' });
      const hinted = await get('/fail/', { 'x-fixture': 'origin' });
      expect(hinted.status).toBe(500);
      expect(hinted.headers.get('link')).toBeNull();
      expect(parseSummaryHeader(hinted.headers.get('cache-digest-push'))).toMatchObject({ mode: 'hints', pushed: 0 });
      await hinted.text();
      const hung = await readPushStream(await get('/hang/', { 'x-fixture': 'origin', 'accept-push-stream': '1' }));
      expect(hung.fin).toBe(true);
      expect(hung.parts.find((part) => part.role === 'page')).toMatchObject({ status: 504, outcome: 'end' });
      expect((await get('/hang/', { 'x-fixture': 'origin' })).status).toBe(504);
    }, 20_000);

    it('never presents a page the origin reset midway as complete, and leaves no error uncaught', async () => {
      for (const encoding of ['gzip', 'identity']) {
        const stream = await readPushStream(await get('/reset/', { 'x-fixture': 'origin', 'accept-push-stream': '1', 'accept-encoding': encoding }));
        // The page part is aborted and the stream ends without FIN: the worker sends the navigation to the network.
        expect(stream.fin).toBe(false);
        expect(stream.parts.find((part) => part.role === 'page')!.outcome).toBe('abort');
        expect(stream.parts.filter((part) => part.role === 'asset').every((part) => part.outcome === 'end')).toBe(true);
      }
      // Identity: workerd under Miniflare gzips a plain response for a gzip client and then closes the gzip
      // stream cleanly when the body fails (the push stream above stays safe: it has no FIN either way).
      const plain = await get('/reset/', { 'x-fixture': 'origin', 'accept-encoding': 'identity' });
      await expect(plain.text()).rejects.toThrow();
      // An uncaught error (an errored body, a rejection nobody handles) is an exception in an edge isolate's metrics.
      // Runtimes print it once the response is done: the grace period only lets the print arrive.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(runtime.output()).not.toMatch(UNCAUGHT);
    }, 20_000);
  });
}
