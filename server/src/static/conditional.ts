/** The outcome of evaluating a request's preconditions (RFC 9110 §13.2.2). */
export type PreconditionResult = 'proceed' | 'not-modified' | 'failed';

/** Validators of the selected representation. */
export interface Validators {
  etag: string;
  mtime: Date;
}

const MAX_LIST_LENGTH = 8192;

function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Splits an entity-tag list (`W/"a", "b"`), keeping quotes; commas inside quotes do not split. */
export function parseEtagList(value: string): string[] {
  const tags: string[] = [];
  if (value.length > MAX_LIST_LENGTH) return tags;
  const pattern = /\s*((?:W\/)?"[^"]*"|\*)\s*(?:,|$)/gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < value.length && (match = pattern.exec(value)) !== null) {
    tags.push(match[1]!);
    if (match[0].length === 0) break;
  }
  return tags;
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** Weak comparison: the opaque tags are equal, either may be weak. */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** Strong comparison: both strong and identical. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && a === b;
}

/** Parses an HTTP date; undefined when it is not one. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (!value || value.length > 64) return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000) * 1000;

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and
 * If-Modified-Since in the order RFC 9110 prescribes, for a GET or HEAD.
 */
export function evaluatePreconditions(
  headers: Record<string, string | string[] | undefined>,
  current: Validators,
): PreconditionResult {
  const ifMatch = headerValue(headers['if-match']);
  if (ifMatch !== undefined) {
    const tags = parseEtagList(ifMatch);
    if (!tags.some((tag) => tag === '*' || strongMatch(tag, current.etag))) return 'failed';
  } else {
    const since = parseHttpDate(headerValue(headers['if-unmodified-since']));
    if (since !== undefined && seconds(current.mtime) > since) return 'failed';
  }
  const ifNoneMatch = headerValue(headers['if-none-match']);
  if (ifNoneMatch !== undefined) {
    const tags = parseEtagList(ifNoneMatch);
    if (tags.some((tag) => tag === '*' || weakMatch(tag, current.etag))) return 'not-modified';
    return 'proceed';
  }
  const since = parseHttpDate(headerValue(headers['if-modified-since']));
  if (since !== undefined && seconds(current.mtime) <= since) return 'not-modified';
  return 'proceed';
}

/**
 * If-Range (RFC 9110 §13.1.5): true when a Range header may be honoured — no
 * If-Range, a strong ETag match, or an exact Last-Modified date match.
 */
export function ifRangeAllows(value: string | string[] | undefined, current: Validators): boolean {
  const text = headerValue(value)?.trim();
  if (text === undefined) return true;
  if (text.startsWith('"') || text.startsWith('W/')) return strongMatch(text, current.etag);
  const date = parseHttpDate(text);
  return date !== undefined && date === seconds(current.mtime);
}
