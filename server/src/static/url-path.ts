/** Longest raw request path accepted (bytes of the request target). */
export const MAX_URL_PATH_LENGTH = 4096;

/** Why a request path cannot name a file: `bad` (malformed: 400), `too-long` (414), `hidden` (a dotfile or empty segment: 404). */
export type UrlPathProblem = 'bad' | 'too-long' | 'hidden';

/** The decoded segments of a request path, or why there are none. */
export type ParsedUrlPath =
  | { ok: true; segments: string[]; directory: boolean }
  | { ok: false; problem: UrlPathProblem };

/**
 * Splits a raw request path (query and fragment ignored) into decoded path
 * segments, refusing anything that could leave the site root or reach a
 * hidden file: `..` and `.` segments (raw or percent-encoded), encoded `/`
 * and `\`, backslashes, NUL and other control characters, and bad
 * percent-encoding. Never throws.
 */
export function parseUrlPath(rawPath: string): ParsedUrlPath {
  if (typeof rawPath !== 'string') return { ok: false, problem: 'bad' };
  if (rawPath.length > MAX_URL_PATH_LENGTH) return { ok: false, problem: 'too-long' };
  let end = rawPath.length;
  const query = rawPath.indexOf('?');
  if (query >= 0) end = query;
  const fragment = rawPath.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  const path = rawPath.slice(0, end);
  if (!path.startsWith('/')) return { ok: false, problem: 'bad' };
  if (path.includes('\\')) return { ok: false, problem: 'bad' };
  const rawSegments = path.slice(1).split('/');
  const directory = rawSegments[rawSegments.length - 1] === '';
  if (directory) rawSegments.pop();
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, problem: 'bad' };
    }
    // Control characters (NUL included), and separators that only an encoding could have smuggled in.
    if (/[\u0000-\u001f\u007f/\\]/.test(segment)) return { ok: false, problem: 'bad' };
    if (segment === '.' || segment === '..') return { ok: false, problem: 'bad' };
    if (segment === '' || segment.startsWith('.')) return { ok: false, problem: 'hidden' };
    segments.push(segment);
  }
  return { ok: true, segments, directory };
}

/** Percent-encodes one path segment, keeping the characters RFC 3986 allows in a segment. */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/** The canonical URL path for decoded segments (`/a%20b/c.css`). */
export function formatUrlPath(segments: readonly string[]): string {
  return '/' + segments.map(encodePathSegment).join('/');
}
