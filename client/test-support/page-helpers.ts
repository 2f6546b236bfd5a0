import type { Page } from 'playwright-core';

/** Waits until a Service Worker controls `page` (bounded by `timeoutMs`). */
export async function waitForController(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: timeoutMs });
}

/** The URLs held in the page origin's caches whose name starts with `prefix` (default: every cache). */
export async function cachedUrls(page: Page, prefix = ''): Promise<string[]> {
  return page.evaluate(async (namePrefix) => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      if (!name.startsWith(namePrefix)) continue;
      const cache = await caches.open(name);
      for (const request of await cache.keys()) urls.push(request.url);
    }
    return urls.sort();
  }, prefix);
}

/** The body of a cached URL as text, or null when no cache holds it. */
export async function cachedText(page: Page, url: string): Promise<string | null> {
  return page.evaluate(async (target) => {
    const response = await caches.match(target, { ignoreVary: true });
    return response ? response.text() : null;
  }, url);
}

/** Polls `probe` until it returns true, at most `timeoutMs` (bounded loop; no timing is asserted). */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 30_000, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
