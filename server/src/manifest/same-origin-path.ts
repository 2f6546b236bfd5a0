const PROBE_ORIGIN = 'https://manifest.invalid';
/** Longest URL path a manifest may hold. */
export const MAX_MANIFEST_URL_LENGTH = 2048;

/**
 * Why `url` is not a normalized absolute path on the page's own origin
 * (`/a/b.css?v=1`), or undefined when it is one. Refuses other origins
 * (`https://…`, `//host/…`), relative paths, backslashes, fragments, control
 * characters, whitespace and dot segments.
 */
export function sameOriginPathProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return 'must be a string';
  if (url.length === 0 || url.length > MAX_MANIFEST_URL_LENGTH) return `must be 1 to ${MAX_MANIFEST_URL_LENGTH} characters`;
  if (!url.startsWith('/')) return `"${url}" is not an absolute path (it must start with "/")`;
  if (url.startsWith('//')) return `"${url}" names another origin`;
  if (/[\\\u0000-\u0020\u007f#]/.test(url)) return `"${url}" contains a backslash, "#", whitespace or a control character`;
  let parsed: URL;
  try {
    parsed = new URL(url, PROBE_ORIGIN);
  } catch {
    return `"${url}" is not a valid URL path`;
  }
  if (parsed.origin !== PROBE_ORIGIN) return `"${url}" names another origin`;
  if (parsed.pathname + parsed.search !== url) return `"${url}" is not normalized (dot segments or unencoded characters)`;
  return undefined;
}
