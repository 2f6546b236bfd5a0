/**
 * True for an absolute path on the stream's own origin: one leading `/`,
 * never `//host` (protocol-relative) nor a backslash that some URL parsers
 * treat as a slash, and no control characters.
 */
export function isSameOriginPath(url: unknown): url is string {
  if (typeof url !== 'string' || url.length === 0 || url.length > 8192) return false;
  if (url.charCodeAt(0) !== 47 /* / */) return false;
  const second = url.charCodeAt(1);
  if (second === 47 || second === 92 /* \ */) return false;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c < 0x21 || c === 0x7f || c === 92) return false;
  }
  return true;
}
