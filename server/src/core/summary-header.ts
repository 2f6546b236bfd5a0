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
  /**
   * Trailing `p=`: log2 of the used digests' P (the smallest, when they
   * differ); with `digest` it gives the false-positive risk, about
   * digest / (2^p · 2^round(log2 digest)) per asset asked about. Absent without a digest.
   */
  pBits?: number;
  /** Trailing `over-budget=`: the `Cache-Digest` value's length, present only when it exceeded the one-packet budget. */
  overBudget?: number;
}

/**
 * `mode=<m>; digest=<n>; pushed=<n>; skipped=<n>; bytes=<n>`: a stable
 * contract, these five fields first and in this order; trailing fields
 * (`; p=<n>`, `; over-budget=<n>`) follow when there is something to say.
 */
export function formatSummaryHeader(summary: DeliverySummary): string {
  let text = `mode=${summary.mode}; digest=${summary.digest}; pushed=${summary.pushed}; skipped=${summary.skipped}; bytes=${summary.bytes}`;
  if (summary.pBits !== undefined) text += `; p=${summary.pBits}`;
  if (summary.overBudget !== undefined) text += `; over-budget=${summary.overBudget}`;
  return text;
}

/** Trailing fields this parser reads into a {@link DeliverySummary}; others are accepted and ignored. */
const TRAILING: Record<string, 'pBits' | 'overBudget'> = { p: 'pBits', 'over-budget': 'overBudget' };

/**
 * Parses a summary header value; null when it is not one. Fields after the
 * first five are accepted (`; name=value`, a later version may add more);
 * the known ones are returned, unknown ones ignored.
 */
export function parseSummaryHeader(value: string | null | undefined): DeliverySummary | null {
  const match = /^mode=(push|stream|hints|none); digest=(\d+); pushed=(\d+); skipped=(\d+); bytes=(\d+)((?:; [a-z][a-z0-9-]*=[\w.-]*)*)$/.exec(
    value?.trim() ?? '',
  );
  if (!match) return null;
  const summary: DeliverySummary = {
    mode: match[1] as ReportedMode,
    digest: Number(match[2]),
    pushed: Number(match[3]),
    skipped: Number(match[4]),
    bytes: Number(match[5]),
  };
  for (const field of match[6]!.split('; ').slice(1)) {
    const [name, text] = field.split('=') as [string, string];
    const key = TRAILING[name];
    if (key !== undefined && /^\d+$/.test(text)) summary[key] = Number(text);
  }
  return summary;
}
