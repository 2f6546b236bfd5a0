import { PUSH_STREAM_CONTENT_TYPE, type HeaderView } from '@cache-digest/shared';
import type { DeliveryOutcome, PageResponseHeaders } from './cache-digest-core.ts';
import { preloadLink } from './preload-link.ts';
import { makePrivate, mergeVary } from './response-privacy.ts';
import { SUMMARY_HEADER } from './summary-header.ts';
import type { DeliveryPlan, PageAsset } from './types.ts';

/** One header to set on a response, replacing any value it had (names lower-case). */
export type HeaderWrite = readonly [name: string, value: string];

/** `cache-digest;desc="<summary>"`: the summary has no quotes or backslashes, so it needs no escaping. */
export function summaryServerTiming(summary: string): string {
  return `cache-digest;desc="${summary}"`;
}

/**
 * Every header a page response gets from the delivery, merged with what the
 * response already has (`existing`, read through `get(name)`), so that an
 * adapter only writes them: the summary, the same summary as a Server-Timing
 * entry (a page can read that one), `Vary` merged, `Cache-Control` made
 * private when the response depends on this client, and preload Links added
 * to the existing ones. An error page (status >= 400) gets no Links.
 */
export function pageHeaderWrites(headers: PageResponseHeaders, existing: HeaderView, status: number): HeaderWrite[] {
  const summary = headers[SUMMARY_HEADER];
  const writes: HeaderWrite[] = [[SUMMARY_HEADER, summary]];
  const timing = existing.get('server-timing');
  writes.push(['server-timing', timing ? `${timing}, ${summaryServerTiming(summary)}` : summaryServerTiming(summary)]);
  const vary = headers.vary;
  if (vary) writes.push(['vary', remembered(varyMerges, existing.get('vary') ?? undefined, vary, (current) => mergeVary(current, vary.split(', ')))]);
  if (headers.private) writes.push(['cache-control', remembered(privateMerges, existing.get('cache-control') ?? undefined, '', makePrivate)]);
  if (headers.link && status < 400) {
    const current = existing.get('link');
    writes.push(['link', [...(current ? [current] : []), ...headers.link].join(', ')]);
  }
  return writes;
}

// An application's Vary and Cache-Control values repeat (one per kind of page): each merge is computed once.
const varyMerges = new Map<string, string>();
const privateMerges = new Map<string, string>();

function remembered(merges: Map<string, string>, current: string | undefined, extra: string, merge: (current: string | undefined) => string): string {
  const key = `${current ?? '\u0000'}\u0001${extra}`;
  let value = merges.get(key);
  if (value === undefined) {
    value = merge(current);
    // Bounded: the values come from the application, which could build a new one per request.
    if (merges.size >= 256) merges.clear();
    merges.set(key, value);
  }
  return value;
}

/**
 * The Links of a 103 Early Hints response for a plan: the missing assets in
 * `hints` mode, nothing otherwise (a runtime that cannot send a 103 skips it;
 * the same Links are on the page). `linkOf` lets a caller pass links it has
 * already built (`CacheDigestCore.linksOf`).
 */
export function earlyHintLinks(plan: DeliveryPlan, outcome: DeliveryOutcome, linkOf: (asset: PageAsset) => string = preloadLink): string[] {
  return plan.mode === 'hints' ? outcome.pushed.map((asset) => linkOf(asset)) : [];
}

/**
 * The head of a push-stream response (docs/push-stream.md): its content
 * type, the URLs it will carry, never stored by any cache, and the summary,
 * Server-Timing and Vary the page would have had.
 */
export function pushStreamHeaders(headers: PageResponseHeaders, streamedUrls: readonly string[]): Record<string, string> {
  return {
    'content-type': PUSH_STREAM_CONTENT_TYPE,
    'push-stream-urls': streamedUrls.join(', '),
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
    [SUMMARY_HEADER]: headers[SUMMARY_HEADER],
    'server-timing': summaryServerTiming(headers[SUMMARY_HEADER]),
    vary: headers.vary ?? '',
  };
}
