/** The server's `cache-digest-push` summary (see the server's docs). */
export interface DeliverySummary {
  mode: string;
  digest: number;
  pushed: number;
  skipped: number;
  bytes: number;
}

/** Parse `mode=stream; digest=28; pushed=3; skipped=25; bytes=1234`; null if it is not one. */
export function parseDeliverySummary(text: string | null | undefined): DeliverySummary | null {
  const match = /mode=(\w+); digest=(\d+); pushed=(\d+); skipped=(\d+); bytes=(\d+)/.exec(text ?? '');
  if (!match) return null;
  return {
    mode: match[1]!,
    digest: Number(match[2]),
    pushed: Number(match[3]),
    skipped: Number(match[4]),
    bytes: Number(match[5]),
  };
}

/**
 * The summary of this page's own navigation. A page cannot read its response
 * headers, so the server repeats the summary as a Server-Timing entry
 * (`cache-digest;desc="mode=…"`), which the navigation timing entry exposes.
 */
export function navigationSummary(): DeliverySummary | null {
  const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  for (const entry of navigation?.serverTiming ?? []) {
    const summary = parseDeliverySummary(entry.description);
    if (summary) return summary;
  }
  return null;
}
