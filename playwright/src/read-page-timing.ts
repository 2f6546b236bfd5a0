import type { Page } from 'playwright-core';
import type { AssetRecord, AssetSource } from './visit-metrics.ts';

/** What the page's own Navigation and Resource Timing say about the visit. */
export interface PageTiming {
  loadMs: number;
  ttfbMs: number;
  /** `cache-digest` Server-Timing description of the navigation, if any. */
  serverTimingSummary: string | null;
  resources: AssetRecord[];
}

// A string, not a function: a bundler or tsx may add helpers to compiled
// functions that do not exist in the page.
const READ_TIMING = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const digest = (nav && nav.serverTiming || []).find((entry) => entry.name === 'cache-digest');
  const resources = performance.getEntriesByType('resource')
    .filter((entry) => new URL(entry.name).origin === location.origin)
    .map((entry) => ({
      url: entry.name,
      initiatorType: entry.initiatorType,
      status: entry.responseStatus || 0,
      transferSize: entry.transferSize,
      encodedBodySize: entry.encodedBodySize,
      workerStart: entry.workerStart,
      deliveryType: entry.deliveryType || '',
      workerMarked: (entry.serverTiming || []).some((timing) => timing.name === 'cache-digest-source'),
      responseEnd: entry.responseEnd,
    }));
  return {
    loadMs: nav ? nav.loadEventStart : 0,
    ttfbMs: nav ? nav.responseStart : 0,
    serverTimingSummary: digest ? digest.description : null,
    resources,
  };
})()`;

interface RawResource {
  url: string;
  initiatorType: string;
  status: number;
  transferSize: number;
  encodedBodySize: number;
  workerStart: number;
  deliveryType: string;
  /** The kit's worker marked it (`Server-Timing: cache-digest-source`). */
  workerMarked: boolean;
  responseEnd: number;
}

/**
 * Reads the loaded page's timing. A subresource came from the worker when
 * the worker handled its fetch (the kit's worker marks what it serves with a
 * `cache-digest-source` Server-Timing entry; otherwise workerStart > 0, or
 * Chromium's deliveryType "cache-storage"), from the network when an Early Hints preload fetched it
 * (initiatorType "early-hints", though the page then took it from the preload cache), from the HTTP cache when
 * nothing was transferred (transferSize 0, or deliveryType "cache"), else
 * from the network (its encoded body counted).
 */
export async function readPageTiming(page: Page): Promise<PageTiming> {
  const raw = (await page.evaluate(READ_TIMING)) as Omit<PageTiming, 'resources'> & { resources: RawResource[] };
  const seen = new Set<string>();
  const resources: AssetRecord[] = [];
  for (const entry of raw.resources) {
    const url = new URL(entry.url);
    const path = url.pathname + url.search;
    // The browser's own favicon probe and error responses are not the page's assets.
    if (seen.has(path) || entry.status >= 400 || (entry.initiatorType === 'other' && url.pathname === '/favicon.ico')) continue;
    seen.add(path);
    const source: AssetSource =
      entry.initiatorType === 'early-hints'
        ? 'network'
        : entry.workerMarked || entry.workerStart > 0 || entry.deliveryType === 'cache-storage'
        ? 'worker'
        : entry.deliveryType === 'cache' || entry.transferSize === 0
          ? 'http-cache'
          : 'network';
    resources.push({ path, source, networkBytes: source === 'network' ? entry.encodedBodySize : 0, endMs: entry.responseEnd });
  }
  return { loadMs: raw.loadMs, ttfbMs: raw.ttfbMs, serverTimingSummary: raw.serverTimingSummary, resources };
}
