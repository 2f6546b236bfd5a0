import '../styles/report.css';
import { navigationSummary, type DeliverySummary } from './delivery-summary.ts';
import { cell, formatBytes, formatMs, moduleTrail, shortUrl } from './format.ts';

moduleTrail.push('load-report');

/** One subresource of this page load and where it came from. */
export interface AssetLoad {
  url: string;
  type: string;
  bytes: number;
  source: 'network' | 'early-hints' | 'http-cache' | 'service-worker' | 'push-stream';
}

/** Everything the report shows about this page load. */
export interface LoadReport {
  loadMs: number;
  ttfbMs: number;
  protocol: string;
  controlled: boolean;
  summary: DeliverySummary | null;
  cachedUrls: string[];
  assets: AssetLoad[];
}

/** Collect the report once the load event has finished. */
export async function collectLoadReport(): Promise<LoadReport> {
  const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  const controlled = Boolean(navigator.serviceWorker?.controller);
  const assets = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
    .filter((entry) => new URL(entry.name).origin === location.origin)
    .map((entry): AssetLoad => ({
      url: entry.name,
      type: entry.initiatorType,
      bytes: entry.decodedBodySize,
      // The worker names what it served from its cache or a push stream in Server-Timing: the only sign
      // of it in Firefox and WebKit, which report workerStart 0 and transferSize 0 as for an HTTP cache hit.
      // A preload started by 103 Early Hints reports no transfer size of its own, like a cache hit.
      source:
        workerSource(entry) === 'stream'
          ? 'push-stream'
          : workerSource(entry) === 'cache' || entry.workerStart > 0
          ? 'service-worker'
          : entry.initiatorType === 'early-hints'
            ? 'early-hints'
            : entry.transferSize === 0
              ? 'http-cache'
              : 'network',
    }));
  return {
    loadMs: navigation ? navigation.loadEventStart - navigation.startTime : performance.now(),
    ttfbMs: navigation ? navigation.responseStart - navigation.startTime : 0,
    protocol: navigation?.nextHopProtocol ?? '',
    controlled,
    summary: navigationSummary(),
    cachedUrls: await cachedUrls(),
    assets,
  };
}

/** `cache` or `stream` from the worker's `cache-digest-source` Server-Timing entry (client/src/sw/mark-source.ts), if any. */
function workerSource(entry: PerformanceResourceTiming): string | undefined {
  return (entry.serverTiming ?? []).find((timing) => timing.name === 'cache-digest-source')?.description;
}

/** What the worker holds (and so what its digest describes): every URL in this origin's Cache Storage. */
async function cachedUrls(): Promise<string[]> {
  if (!('caches' in self)) return [];
  const urls = new Set<string>();
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.add(request.url);
  }
  return [...urls].sort();
}

/** Render the report into `element`. */
export function renderLoadReport(element: HTMLElement, report: LoadReport): void {
  const summary = report.summary;
  const stat = (label: string, value: string, note = ''): string =>
    `<div class="stat"><span class="stat-value">${value}</span><span class="stat-label">${label}</span>${
      note ? `<span class="stat-note">${note}</span>` : ''
    }</div>`;
  const bySource = (source: AssetLoad['source']): number => report.assets.filter((a) => a.source === source).length;
  element.innerHTML = `
    <div class="stats">
      ${stat('page load', formatMs(report.loadMs), `first byte ${formatMs(report.ttfbMs)} · ${report.protocol || 'via worker'}`)}
      ${stat('delivery', summary ? summary.mode : '—', report.controlled ? 'service worker in control' : 'no service worker yet')}
      ${stat('digest entries sent', summary ? String(summary.digest) : '—', `${report.cachedUrls.length} URLs in the worker's cache`)}
      ${stat('pushed with the page', summary ? String(summary.pushed) : '—', summary ? formatBytes(summary.bytes) : 'no summary from the server')}
      ${stat('skipped (already cached)', summary ? String(summary.skipped) : '—')}
      ${stat(
        'fetched by the page',
        String(bySource('network') + bySource('early-hints')),
        `${bySource('early-hints')} of them early-hinted · ${bySource('service-worker')} from the worker's cache · ${bySource('push-stream')} from the push stream · ${bySource('http-cache')} from HTTP cache`,
      )}
    </div>
    <details class="assets">
      <summary>${report.assets.length} subresources of this load</summary>
      <table>
        <thead><tr><th>asset</th><th>type</th><th>size</th><th>came from</th></tr></thead>
        <tbody>${report.assets
          .map(
            (asset) =>
              `<tr>${cell(shortUrl(asset.url), 'url')}${cell(asset.type)}${cell(formatBytes(asset.bytes), 'num')}${cell(
                asset.source.replace('-', ' '),
                `source ${asset.source}`,
              )}</tr>`,
          )
          .join('')}</tbody>
      </table>
    </details>
    <details class="assets">
      <summary>The worker's cache: ${report.cachedUrls.length} entries (what its digest describes)</summary>
      <ul class="cached">${report.cachedUrls.map((url) => `<li>${shortUrl(url).replace(/</g, '&lt;')}</li>`).join('')}</ul>
    </details>`;
}
