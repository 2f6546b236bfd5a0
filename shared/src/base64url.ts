import { CacheDigestError } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Pure, so a bundle that only encodes (the Service Worker) drops the table.
const LOOKUP = /* @__PURE__ */ (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

// In Node, long values are decoded by Buffer (a server decodes every request's digest); browsers use the loop below.
const NODE_BUFFER = (globalThis as { Buffer?: { from(text: string, encoding: 'base64url'): Uint8Array; byteLength(text: string, encoding: 'utf8'): number } }).Buffer;
const NATIVE_FROM_CHARS = 128;

/** Base64url (RFC 4648 §5) without padding, as the Cache-Digest header carries it. */
export function base64urlEncode(bytes: Uint8Array): string {
  let out = '';
  // A read past the end is undefined, which the shifts take as 0; the cut below drops what it adds.
  for (let i = 0; i < bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!;
  }
  return out.slice(0, Math.ceil((bytes.length * 4) / 3));
}

/** The 6-bit value of the character at `i`; `BAD_BASE64` outside the alphabet. */
function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const v = c < 128 ? LOOKUP[c]! : -1;
  if (v < 0) throw new CacheDigestError('BAD_BASE64', `invalid base64url character at offset ${i}`);
  return v;
}

/**
 * Decodes base64url; `=` padding is accepted (and checked), any other
 * character outside the alphabet is a `BAD_BASE64` error.
 */
export function base64urlDecode(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  const padding = text.length - end;
  if (padding > 2 || (padding > 0 && text.length % 4 !== 0)) {
    throw new CacheDigestError('BAD_BASE64', 'base64url value has malformed "=" padding');
  }
  if (end % 4 === 1) throw new CacheDigestError('BAD_BASE64', 'base64url value has an impossible length');
  if (NODE_BUFFER !== undefined && end >= NATIVE_FROM_CHARS) {
    // Node decodes natively, but skips characters outside its alphabets silently (any would make the result short),
    // takes `+` and `/`, which base64url does not have, and reads a character above U+00FF by its low byte (U+0141
    // as `A`): checked by the length, two scans and an ASCII-only test (UTF-8 length = character count), not a regex.
    const body = end === text.length ? text : text.slice(0, end);
    const bytes = NODE_BUFFER.from(body, 'base64url');
    if (
      bytes.byteLength === Math.floor((end * 3) / 4) &&
      body.indexOf('+') < 0 &&
      body.indexOf('/') < 0 &&
      NODE_BUFFER.byteLength(body, 'utf8') === end
    ) {
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
  }
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  const full = end - (end % 4);
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    // One check per group on the hot path (a server decodes every request's digest): an invalid
    // character makes its sextet -1, which makes the whole value negative.
    let v = (LOOKUP[c0 & 127]! << 18) | (LOOKUP[c1 & 127]! << 12) | (LOOKUP[c2 & 127]! << 6) | LOOKUP[c3 & 127]!;
    if (v < 0 || (c0 | c1 | c2 | c3) > 127) v = (sextet(text, i) << 18) | (sextet(text, i + 1) << 12) | (sextet(text, i + 2) << 6) | sextet(text, i + 3);
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  if (end - full >= 2) {
    const v = (sextet(text, full) << 18) | (sextet(text, full + 1) << 12) | (end - full === 3 ? sextet(text, full + 2) << 6 : 0);
    out[o++] = v >> 16;
    if (end - full === 3) out[o++] = (v >> 8) & 0xff;
  }
  return out;
}
