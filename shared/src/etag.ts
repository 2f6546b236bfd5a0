import { base64urlEncode } from './base64url.ts';
import { sha256 } from './sha256.ts';

/**
 * A strong ETag derived from a body's content (the first 128 bits of its
 * SHA-256, base64url). The static server, the push manifest and the Vite
 * plugin all use it, so a validators digest built by a client matches what
 * the server would send.
 */
export function contentEtag(body: Uint8Array): string {
  return `"${base64urlEncode(sha256(body)).slice(0, 22)}"`;
}
