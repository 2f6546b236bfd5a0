/** Cache-Control values a {@link StaticSite} uses unless configured otherwise. */
export const defaultCacheControl = {
  html: 'no-cache',
  hashed: 'public, max-age=31536000, immutable',
  other: 'public, max-age=3600',
} as const;

// A hash-like token: 8+ characters of [A-Za-z0-9_-] with at least one digit.
const HASH_TOKEN = /^[A-Za-z0-9_-]{8,}$/;
// `name-<hash>` where the hash has no dashes (webpack/rollup hex), or exactly 8
// base64url characters (Vite's default `[name]-[hash]`, whose hash may contain `-`).
const DASH_HASH = /-([A-Za-z0-9_]{8,})$/;
const VITE_HASH = /-([A-Za-z0-9_-]{8})$/;
const hasDigit = (text: string): boolean => /[0-9]/.test(text);

/**
 * True when a file name carries a content hash (`main-3f2a9c1b.js`,
 * `app.3F2A9C1B.css`, `index-D-y3x_9q.js`), so it can be cached forever.
 */
export function isContentHashedName(fileName: string): boolean {
  const parts = fileName.split('.');
  if (parts.length < 2) return false;
  const stemParts = parts.slice(0, -1); // drop the extension
  // `app.3F2A9C1B.css`, `chunk.3f2a9c1b.min.js`: a dot-delimited token after the name.
  for (const token of stemParts.slice(1)) {
    if (HASH_TOKEN.test(token) && hasDigit(token)) return true;
  }
  const name = stemParts[0]!;
  for (const pattern of [DASH_HASH, VITE_HASH]) {
    const match = pattern.exec(name);
    if (match && match.index > 0 && hasDigit(match[1]!)) return true;
  }
  return false;
}
