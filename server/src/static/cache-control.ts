/** Cache-Control values a {@link StaticSite} uses unless configured otherwise. */
export const defaultCacheControl = {
  html: 'no-cache',
  hashed: 'public, max-age=31536000, immutable',
  other: 'public, max-age=3600',
} as const;

// `name-<hash>` where the hash has no dashes (webpack/rollup hex, base64url
// with `_`), or exactly 8 base64url characters (Vite's `[name]-[hash]`,
// whose hash may contain `-`).
const DASH_HASH = /-([A-Za-z0-9_]{8,})$/;
const VITE_HASH = /-([A-Za-z0-9_-]{8})$/;
const TOKEN = /^[A-Za-z0-9_-]{8,128}$/;
// A word followed by a number (`ubuntu2204`, `chrome120`): a version, not a hash.
const WORD_NUMBER = /^[a-z]{3,}[0-9]{2,}$/;
// One piece of an ordinary name: lower-case, UPPER-CASE, or camel/Pascal
// case whose capitals each start a word of at least three letters.
const WORD_PIECE = /^(?:[a-z]+|[A-Z]+|(?:[a-z]{2,}|[A-Z][a-z]{2,})(?:[A-Z][a-z]{2,})+|[A-Z][a-z]{2,})$/;

/**
 * True when `token` looks like a content hash rather than a word: hex or
 * base64url with digits (`3f2a9c1b`, `D-y3x_9q`), or base64url with mixed
 * case that does not read as camel-case words (`DdorVCpF`, `BcAp__Vw`).
 * Misses only hashes that happen to look like words (all lower-case,
 * all upper-case or camel-case: well under 1% of Vite's 8-character hashes).
 */
function isHashToken(token: string): boolean {
  if (!TOKEN.test(token)) return false;
  const letters = /[A-Za-z]/.test(token);
  if (/[0-9]/.test(token)) return letters && !WORD_NUMBER.test(token);
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token)) return false;
  return !token.split(/[-_]+/).every((piece) => piece === '' || isWordPiece(piece));
}

/** A piece shaped like words (see WORD_PIECE) whose every word has a vowel and no run of four consonants. */
function isWordPiece(piece: string): boolean {
  if (!WORD_PIECE.test(piece)) return false;
  return (piece.match(/[A-Z]?[a-z]+|[A-Z]+/g) ?? []).every((word) => /[aeiouy]/i.test(word) && !/[b-df-hj-np-tv-xz]{4}/i.test(word));
}

/**
 * True when a file name carries a content hash (`main-3f2a9c1b.js`,
 * `app.3F2A9C1B.css`, `index-D-y3x_9q.js`, `escape-html-DdorVCpF.js`,
 * `photo-04-BcAp__Vw.png`), so it can be cached forever; ordinary names
 * (`main-menu.js`, `about-us.css`, `app-HomePage.js`) are not. A guess from
 * the name alone, for folders whose push manifest does not say (its
 * `immutable` list, docs/push-manifest.md).
 */
export function isContentHashedName(fileName: string): boolean {
  const parts = fileName.split('.');
  if (parts.length < 2) return false;
  const stemParts = parts.slice(0, -1); // drop the extension
  // `app.3F2A9C1B.css`, `chunk.3f2a9c1b.min.js`: a dot-delimited token after the name.
  for (const token of stemParts.slice(1)) {
    if (isHashToken(token)) return true;
  }
  const name = stemParts[0]!;
  for (const pattern of [DASH_HASH, VITE_HASH]) {
    const match = pattern.exec(name);
    if (match && match.index > 0 && isHashToken(match[1]!)) return true;
  }
  return false;
}
