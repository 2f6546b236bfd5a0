/** Why a route pattern was refused. */
export type RoutePatternErrorCode = 'NOT_A_PATH' | 'TOO_LONG' | 'BAD_SEGMENT' | 'BAD_PARAMETER' | 'DUPLICATE_PARAMETER' | 'WILDCARD_NOT_LAST';

/** A route pattern that does not follow the syntax of docs/push-manifest.md (Routes). */
export class RoutePatternError extends Error {
  readonly code: RoutePatternErrorCode;
  readonly pattern: string;

  constructor(code: RoutePatternErrorCode, pattern: string, message: string) {
    super(`route pattern ${JSON.stringify(pattern.slice(0, 80))}: ${message}`);
    this.name = 'RoutePatternError';
    this.code = code;
    this.pattern = pattern;
  }
}

/** One segment of a pattern: literal text, a `:name` parameter (one non-empty segment), or the final `*` (the rest). */
export type RouteSegment = { kind: 'static'; text: string } | { kind: 'param'; name: string } | { kind: 'wildcard' };

/** A parsed pattern with what its precedence is decided by. */
export interface ParsedRoutePattern {
  pattern: string;
  segments: RouteSegment[];
  /** 0: no parameter or wildcard; 1: parameters; 2: ends in a wildcard (exact beats parameter beats wildcard). */
  kind: 0 | 1 | 2;
  /** Characters before the first parameter or wildcard: the longer one wins among routes of one kind. */
  staticPrefix: number;
}

/** Longest pattern accepted (characters). */
export const MAX_ROUTE_PATTERN_LENGTH = 1024;

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// A literal segment: RFC 3986 pchar without ":" (reserved for parameters here); "*" only as a whole segment.
const STATIC_SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()+,;=@]|%[0-9A-Fa-f]{2})*$/;

/**
 * Parses a route pattern: `/posts/:slug`, `/docs/*`, `/shop/:category/:id`.
 * Segments are split on `/`; `:name` matches one non-empty path segment,
 * `*` (last segment only) matches the rest of the path, empty or not; every
 * other segment matches itself exactly (case-sensitive, percent-encoding
 * as written). Throws {@link RoutePatternError}.
 */
export function parseRoutePattern(pattern: string): ParsedRoutePattern {
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) throw new RoutePatternError('NOT_A_PATH', String(pattern), 'must start with "/"');
  if (pattern.length > MAX_ROUTE_PATTERN_LENGTH) throw new RoutePatternError('TOO_LONG', pattern, `is longer than ${MAX_ROUTE_PATTERN_LENGTH} characters`);
  const texts = pattern.slice(1).split('/');
  const segments: RouteSegment[] = [];
  const names = new Set<string>();
  let kind: 0 | 1 | 2 = 0;
  let staticPrefix = pattern.length;
  let offset = 1;
  texts.forEach((text, index) => {
    const last = index === texts.length - 1;
    if (text === '*') {
      if (!last) throw new RoutePatternError('WILDCARD_NOT_LAST', pattern, '"*" may only be the last segment');
      segments.push({ kind: 'wildcard' });
      kind = 2;
      staticPrefix = Math.min(staticPrefix, offset);
    } else if (text.startsWith(':')) {
      const name = text.slice(1);
      if (!PARAM_NAME.test(name)) throw new RoutePatternError('BAD_PARAMETER', pattern, `parameter "${text}" must be ":" and a name of letters, digits and "_"`);
      if (names.has(name)) throw new RoutePatternError('DUPLICATE_PARAMETER', pattern, `parameter ":${name}" appears twice`);
      names.add(name);
      segments.push({ kind: 'param', name });
      if (kind === 0) kind = 1;
      staticPrefix = Math.min(staticPrefix, offset);
    } else {
      // Only the last segment may be empty (`/docs/`): `//` is no path a browser sends.
      if (text === '' && !last) throw new RoutePatternError('BAD_SEGMENT', pattern, 'has an empty segment ("//")');
      if (text === '.' || text === '..' || !STATIC_SEGMENT.test(text)) {
        throw new RoutePatternError('BAD_SEGMENT', pattern, `segment "${text.slice(0, 40)}" must be plain path characters (no ":" or "*" inside, no dot segment, no "?" or "#")`);
      }
      segments.push({ kind: 'static', text });
    }
    offset += text.length + 1;
  });
  return { pattern, segments, kind, staticPrefix };
}
