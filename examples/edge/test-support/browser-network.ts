import type { BrowserContext, Page } from 'playwright-core';

/** Records in `network` the requests that crossed the network: `sw URL` (the worker's) or `page URL` (not answered by the worker). */
export function recordNetwork(context: BrowserContext, network: string[]): void {
  context.on('request', (request) => {
    if (request.serviceWorker()) network.push(`sw ${request.url()}`);
  });
  context.on('requestfinished', async (request) => {
    if (request.serviceWorker()) return;
    const response = await request.response().catch(() => null);
    if (response && !response.fromServiceWorker()) network.push(`page ${request.url()}`);
  });
}

/** Empties `network`, opens `origin` in a new page and waits until the test site's status line reads `status`. */
export async function visitUntilStatus(context: BrowserContext, origin: string, status: string, network: string[]): Promise<Page> {
  network.length = 0;
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction((text) => document.getElementById('status')?.textContent === text, status, { timeout: 30_000 });
  return page;
}
