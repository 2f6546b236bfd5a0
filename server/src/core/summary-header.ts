import type { ReportedMode } from './types.ts';

/** Name of the summary header every page response carries. */
export const SUMMARY_HEADER = 'cache-digest-push';

/** What the summary header reports (see server/src/core/README.md). */
export interface DeliverySummary {
  mode: ReportedMode;
  /** Entries in the client's usable digests. */
  digest: number;
  /** Assets pushed, streamed with a body, or hinted. */
  pushed: number;
  /** Assets not sent because the client holds them (304 parts included). */
  skipped: number;
  /** Sum of the pushed assets' sizes. */
  bytes: number;
}

/** `mode=<m>; digest=<n>; pushed=<n>; skipped=<n>; bytes=<n>`: a stable contract, fields in this order. */
export function formatSummaryHeader(summary: DeliverySummary): string {
  return `mode=${summary.mode}; digest=${summary.digest}; pushed=${summary.pushed}; skipped=${summary.skipped}; bytes=${summary.bytes}`;
}

/** Parses a summary header value; null when it is not one. */
export function parseSummaryHeader(value: string | null | undefined): DeliverySummary | null {
  const match = /^mode=(push|stream|hints|none); digest=(\d+); pushed=(\d+); skipped=(\d+); bytes=(\d+)$/.exec(value?.trim() ?? '');
  if (!match) return null;
  return {
    mode: match[1] as ReportedMode,
    digest: Number(match[2]),
    pushed: Number(match[3]),
    skipped: Number(match[4]),
    bytes: Number(match[5]),
  };
}
