// Real Chromium with the real worker, through a byte-counting TCP relay: a push stream of
// text assets arrives gzip-encoded (one gzip member, decoded by the browser's network
// stack), far smaller on the wire than the files, and the worker stores bytes identical
// to the files.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSummaryHeader } from '../core/summary-header.ts';
import { startServer, type RunningServer } from './start-server.ts';
import { ByteCountingRelay, launchTestChromium } from './test-support/byte-counting-relay.ts';

const words = ['const', 'function', 'return', 'value', 'export', 'import', 'module', 'render', 'state', 'props'];
const BIG_JS = `window.big=[${Array.from({ length: 14000 }, (_, i) => `"${words[i % 10]}${(i * 7919) % 1013}"`).join(',')}];\n`;
const FILES: Record<string, string> = {
  'index.html': `<!doctype html><html><head><meta charset="utf-8"><title>home</title><script src="/home.js" defer></script></head><body><p id="status">loading</p></body></html>\n`,
  'other.html': `<!doctype html><html><head><meta charset="utf-8"><title>other</title><link rel="stylesheet" href="/other.css"><script src="/big.js" defer></script><script src="/other.js" defer></script></head><body><p id="status">loading</p></body></html>\n`,
  'home.js': `document.getElementById('status').textContent = 'ready';\n`,
  'other.js': `document.getElementById('status').textContent = window.big.length > 0 ? 'ready' : 'broken';\n`,
  'big.js': BIG_JS,
  'other.css': Array.from({ length: 900 }, (_, i) => `.c${i} { margin: ${i % 13}px; color: rgb(${i % 255}, 20, 30); }`).join('\n'),
};
const STREAMED = ['/big.js', '/other.css', '/other.js'];

let workDir: string;
let server: RunningServer;
/** Counts the bytes the server sent towards Chromium (TLS records included). */
let relay: ByteCountingRelay;
let context: BrowserContext;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'cache-digest-gzip-chromium-'));
  const root = path.join(workDir, 'site');
  await mkdir(root);
  for (const [name, text] of Object.entries(FILES)) await writeFile(path.join(root, name), text);
  server = await startServer({ root, mode: 'stream', injectLoader: true, certDir: path.join(workDir, 'certs'), log: false });
  relay = await ByteCountingRelay.start(Number(new URL(server.url).port));
  context = await launchTestChromium(workDir, server.spki);
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await relay?.close();
  await server?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function visit(pathName: string): Promise<{ page: Page; summary: ReturnType<typeof parseSummaryHeader> }> {
  const page = await context.newPage();
  const response = await page.goto(relay.origin + pathName);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 30_000 });
  return { page, summary: parseSummaryHeader(response?.headers()['cache-digest-push']) };
}

describe('compressed push stream in Chromium with the real worker', () => {
  it('the stream travels gzip-encoded, well under the text assets’ identity size, and the worker stores the files’ exact bytes', async () => {
    const first = await visit('/');
    await first.page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 30_000 });
    await first.page.close();
    // Connections closed: the next visit's bytes are counted from a fresh connection.
    const encodings: string[] = [];
    context.on('response', (response) => {
      if (response.headers()['content-type']?.startsWith('application/vnd.cache-digest.push-stream')) encodings.push(response.headers()['content-encoding'] ?? 'identity');
    });
    relay.downBytes = 0;
    const { page, summary } = await visit('/other.html');
    expect(summary).toMatchObject({ mode: 'stream', pushed: STREAMED.length });
    const stored = () =>
      page.evaluate(async (urls) => {
        const out: Record<string, string | null> = {};
        for (const url of urls) out[url] = (await caches.match(url, { ignoreVary: true }).then((response) => response?.text())) ?? null;
        return out;
      }, STREAMED);
    await expect.poll(async () => Object.values(await stored()).every((text) => text !== null), { timeout: 30_000 }).toBe(true);
    const held = await stored();
    for (const url of STREAMED) expect(held[url] === FILES[url.slice(1)]).toBe(true);
    const identity = STREAMED.reduce((sum, url) => sum + Buffer.byteLength(FILES[url.slice(1)]!), 0);
    expect(identity).toBeGreaterThan(150_000);
    // Everything the server sent for this visit (TLS, headers, page, stream) is under half the assets' identity bytes.
    expect(relay.downBytes).toBeLessThan(identity * 0.5);
    expect(encodings).toContain('gzip');
    await page.close();
  }, 90_000);
});
