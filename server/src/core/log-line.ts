import { formatSummaryHeader, type DeliverySummary } from './summary-header.ts';

/** How much a page request logs: nothing, one short line (default), or the line with every URL. */
export type LogLevel = 'none' | 'summary' | 'full';

/** Plain text lines (`cache-digest: GET / 200 | mode=…`) or one JSON object per line for log shippers. */
export type LogFormat = 'text' | 'json';

/** What one page request reports. */
export interface LogEntry {
  method: string;
  path: string;
  status?: number;
  summary: DeliverySummary;
  /** The configured delivery was `links` (reported as hints). */
  links: boolean;
  /** `pushed`, `streamed` or `hinted`. */
  verb: string;
  /** URLs sent and skipped; only read at level `full`. */
  pushedUrls: () => string[];
  skippedUrls: () => string[];
  /** Why the digest was ignored, when it was invalid. */
  invalidDigest?: string;
  /** Members of a usable header that were skipped, and why. */
  skippedMembers?: string;
}

/**
 * The log line of one page request at a level and in a format (no line at
 * `none`). `summary` is bounded whatever the page (no URL lists); `full`
 * adds every URL pushed and skipped. Client-controlled text is cleaned of
 * control characters and cut to a bound.
 */
export function formatLogLine(entry: LogEntry, level: LogLevel, format: LogFormat): string | undefined {
  if (level === 'none') return undefined;
  const method = printable(entry.method, 16);
  const path = printable(entry.path, 512);
  if (format === 'json') {
    const record: Record<string, unknown> = {
      time: new Date().toISOString(),
      msg: 'cache-digest page',
      method,
      path,
      ...(entry.status === undefined ? {} : { status: entry.status }),
      ...entry.summary,
      ...(entry.links ? { configured: 'links' } : {}),
      ...(entry.invalidDigest === undefined ? {} : { invalidDigest: printable(entry.invalidDigest, 256) }),
      ...(entry.skippedMembers === undefined ? {} : { skippedMembers: printable(entry.skippedMembers, 256) }),
    };
    if (level === 'full') {
      record[`${entry.verb}Urls`] = entry.pushedUrls();
      record['skippedUrls'] = entry.skippedUrls();
    }
    return JSON.stringify(record);
  }
  const parts = [`${method} ${path}${entry.status === undefined ? '' : ` ${entry.status}`}`, `${formatSummaryHeader(entry.summary)}${entry.links ? ' (links)' : ''}`];
  if (level === 'full') {
    const pushed = entry.pushedUrls();
    const skipped = entry.skippedUrls();
    if (pushed.length > 0) parts.push(`${entry.verb}: ${pushed.join(' ')}`);
    if (skipped.length > 0) parts.push(`skipped: ${skipped.join(' ')}`);
  }
  if (entry.invalidDigest !== undefined) parts.push(`invalid digest ignored (${printable(entry.invalidDigest, 256)})`);
  else if (entry.skippedMembers !== undefined) parts.push(`digest members skipped (${printable(entry.skippedMembers, 256)})`);
  return `cache-digest: ${parts.join(' | ')}`;
}

/** Client-controlled text made safe for a one-line log: no control characters, bounded length. */
function printable(text: string, maxLength: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}
