import type { Page } from 'playwright-core';

/**
 * A script for `page.evaluate`: resolves once the page's Service Worker (if
 * the page registered one) is active and its Cache Storage has stopped
 * growing (the same entry count three times 200 ms apart; at most about
 * 10 s), so the next visit finds what the worker received. A string, not a
 * function: compiled functions can carry helpers (tsx's `__name`) that do not
 * exist in the page.
 */
export const WAIT_FOR_WORKER_CACHE = `(async () => {
  if (!('serviceWorker' in navigator) || !(await navigator.serviceWorker.getRegistration())) return;
  await Promise.race([navigator.serviceWorker.ready, new Promise((resolve) => setTimeout(resolve, 5000))]);
  let previous = -1;
  let stable = 0;
  for (let i = 0; i < 50 && stable < 3; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    let current = 0;
    for (const name of await caches.keys()) current += (await (await caches.open(name)).keys()).length;
    stable = current === previous && current > 0 ? stable + 1 : 0;
    previous = current;
  }
})()`;

/** Wait in `page` until its Service Worker has stored what it received (see {@link WAIT_FOR_WORKER_CACHE}). */
export async function waitForWorkerCache(page: Page): Promise<void> {
  await page.evaluate(WAIT_FOR_WORKER_CACHE);
}
