/** Most bytes of a page searched for `</head>` and an existing loader tag. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** Longest script start tag looked into. */
const MAX_TAG_LENGTH = 1024;

/** The tag {@link insertLoaderTag} adds. */
export function loaderTag(loaderPath: string): string {
  return `<script src="${loaderPath}" async></script>`;
}

/**
 * `html` with `<script src="{loaderPath}" async></script>` inserted just
 * before its first `</head>` (else before `<body`). A document that writes
 * neither (both tags are optional in HTML) gets it where the parser opens its
 * head anyway: after `<head>`, else after `<html>`, else after the doctype,
 * else at the very start (after a byte order mark). Null when the page
 * already has a script whose src names the loader, or is larger than 4 MiB.
 * Works on the bytes, so any ASCII-compatible charset (UTF-8, Latin-1, …) is
 * kept as is.
 */
export function insertLoaderTag(html: Uint8Array, loaderPath: string): Uint8Array | null {
  if (html.byteLength > MAX_PAGE_BYTES) return null;
  // latin1 maps each byte to one character, so string indexes are byte offsets.
  const text = Buffer.from(html.buffer, html.byteOffset, html.byteLength).toString('latin1');
  if (hasScriptFor(text, loaderPath)) return null;
  const at = insertionPoint(text);
  const tag = new TextEncoder().encode(loaderTag(loaderPath));
  const out = new Uint8Array(html.byteLength + tag.byteLength);
  out.set(html.subarray(0, at), 0);
  out.set(tag, at);
  out.set(html.subarray(at), at + tag.byteLength);
  return out;
}

/** Byte offset where the tag goes; see {@link insertLoaderTag}. */
function insertionPoint(text: string): number {
  let at = text.search(/<\/head[\s>]/i);
  if (at < 0) at = text.search(/<body[\s>/]/i);
  if (at >= 0) return at;
  // No end of head and no body: after the first start tag that still leaves us in (or before) the head.
  // Never before the doctype: a script ahead of it would put the page into quirks mode.
  for (const start of [/<head[\s>]/i, /<html[\s>]/i, /<!doctype[\s>]/i]) {
    const open = text.search(start);
    if (open < 0) continue;
    const end = text.indexOf('>', open);
    if (end >= 0) return end + 1;
  }
  return text.startsWith('\u00ef\u00bb\u00bf') ? 3 : 0;
}

/** Whether a `<script>` tag's src ends with the loader's file name; linear in the page's length. */
function hasScriptFor(text: string, loaderPath: string): boolean {
  const name = escapeRegExp(loaderPath.slice(loaderPath.lastIndexOf('/') + 1));
  const src = new RegExp(`\\bsrc\\s*=\\s*["']?(?:[^"'\\s>]*/)?${name}(?=[?#"'\\s>]|$)`, 'i');
  const open = /<script\b/gi;
  let tagEnd = -1;
  for (let match = open.exec(text); match; match = open.exec(text)) {
    // The next '>' is searched once, not once per tag, and each tag is read up to a bound: linear.
    if (tagEnd < match.index) tagEnd = text.indexOf('>', match.index);
    if (tagEnd < 0) return false;
    if (src.test(text.slice(match.index, Math.min(tagEnd, match.index + MAX_TAG_LENGTH)))) return true;
  }
  return false;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
