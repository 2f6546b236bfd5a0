import path from 'node:path';
import { parseSummaryHeader, startServer, type RunningServer } from '@cache-digest/server';
import type { Page, Request as BrowserRequest } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from './launch-chromium.ts';

/** A Workbox test site served in stream mode to one real Chromium, as the Workbox Chromium tests use it. */
export interface WorkboxSiteSession {
  readonly browser: LaunchedChromium;
  /** `https://127.0.0.1:PORT`, the same across deploys. */
  readonly origin: string;
  /**
   * Requests that left the browser since the last visit: `sw /path` for the
   * workers' own fetches (preload, precache install), `page /path` for page
   * requests no worker answered.
   */
  readonly network: string[];
  /** The server now serving the site. */
  server(): RunningServer;
  /** Opens `/` in a new page and waits until the site's script reports `ready`; the navigation's summary header too. */
  visit(): Promise<{ page: Page; summary: ReturnType<typeof parseSummaryHeader> }>;
  /** A deploy: the server restarts on the same origin serving `root`. */
  deploy(root: string): Promise<void>;
  close(): Promise<void>;
}

/** Serves `root` (`cache-digest` server, stream mode, port 0) and launches Chromium trusting it, recording its network. */
export async function openWorkboxSite(root: string): Promise<WorkboxSiteSession> {
  const certDir = path.resolve('.dev-certs');
  let server = await startServer({ root, port: 0, host: '127.0.0.1', mode: 'stream', certDir, log: false });
  const origin = server.url.replace(/\/$/, '');
  const browser = await launchChromium({ spki: [server.spki] });
  const network: string[] = [];
  browser.context.on('request', (request: BrowserRequest) => {
    if (request.serviceWorker()) network.push(`sw ${new URL(request.url()).pathname}`);
  });
  browser.context.on('requestfinished', async (request: BrowserRequest) => {
    if (request.serviceWorker()) return;
    const response = await request.response().catch(() => null);
    if (response && !response.fromServiceWorker()) network.push(`page ${new URL(request.url()).pathname}`);
  });
  return {
    browser,
    origin,
    network,
    server: () => server,
    async visit() {
      network.length = 0;
      const page = await browser.context.newPage();
      const response = await page.goto(`${origin}/`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
      return { page, summary: parseSummaryHeader(response?.headers()['cache-digest-push']) };
    },
    async deploy(next) {
      const port = server.port;
      await server.close();
      server = await startServer({ root: next, port, host: '127.0.0.1', mode: 'stream', certDir, log: false });
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
