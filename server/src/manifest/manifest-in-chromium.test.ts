import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticTestServer, type StaticTestServer } from '../static/h2-test-server.ts';
import { StaticSite } from '../static/index.ts';
import { ensureDevCertificate } from '../tls/index.ts';
import { buildManifest, type PushManifest } from './index.ts';
import { CHROMIUM_PATH, chromiumArgs } from '../../../client/test-support/launch-chromium.ts';

// A real browser checks two things: the dev certificate works through the
// SPKI allow-list over h2, and the manifest lists what Chromium really loads.
const FIXTURE = fileURLToPath(new URL('../../test-fixtures/site', import.meta.url));
let workDir: string;
let server: StaticTestServer;
let browser: Browser;
let manifest: PushManifest;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'manifest-chromium-test-'));
  const certificate = await ensureDevCertificate(path.join(workDir, 'certs'));
  server = await startStaticTestServer(new StaticSite({ root: FIXTURE }), certificate);
  manifest = await buildManifest(FIXTURE);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs([certificate.spki]) });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(workDir, { recursive: true, force: true });
});

/** Loads a page and returns the same-origin resource paths Chromium fetched, with their protocols. */
async function fetchedBy(pagePath: string): Promise<{ status: number | undefined; protocol: string; resources: Map<string, string> }> {
  // A fresh context per load: no cache or favicon state shared between pages.
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const origin = server.origin.replace('127.0.0.1', 'localhost');
    const response = await page.goto(origin + pagePath, { waitUntil: 'load' });
    const entries = await page.evaluate(() => ({
      protocol: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol,
      resources: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((entry) => [
        entry.name,
        entry.nextHopProtocol,
      ]),
    }));
    const resources = new Map<string, string>();
    for (const [name, protocol] of entries.resources as [string, string][]) {
      const url = new URL(name);
      if (url.origin === origin) resources.set(url.pathname + url.search, protocol);
    }
    return { status: response?.status(), protocol: entries.protocol, resources };
  } finally {
    await context.close();
  }
}

describe('the manifest against Chromium', () => {
  it('accepts the dev certificate through its SPKI hash, over h2', async () => {
    const { status, protocol } = await fetchedBy('/');
    expect(status).toBe(200);
    expect(protocol).toBe('h2');
  });

  it('lists exactly what Chromium loads for a clean page', async () => {
    const { resources } = await fetchedBy('/blog/first-post/');
    // The page declares no icon, so Chromium may ask for /favicon.ico on its own: not the page's doing.
    resources.delete('/favicon.ico');
    const listed = manifest.pages['/blog/first-post/index.html']!.map((asset) => asset.url);
    expect([...resources.keys()].sort()).toEqual([...listed].sort());
    for (const protocol of resources.values()) expect(protocol).toBe('h2');
  });

  it('lists every stylesheet, font and classic script Chromium loads for the home page', async () => {
    const { resources } = await fetchedBy('/');
    const listed = manifest.pages['/index.html']!.filter((asset) => asset.as === 'style' || asset.as === 'font' || (asset.as === 'script' && !asset.module));
    expect(listed.length).toBeGreaterThan(4);
    for (const asset of listed) expect([...resources.keys()], asset.url).toContain(asset.url);
  });
});
