import { base64urlEncode } from '../base64url.ts';
import { sha256 } from '../sha256.ts';

/** A strong ETag of the form `contentEtag()` writes: 22 base64url characters of the body's SHA-256. */
const CONTENT_ETAG = /^"([A-Za-z0-9_-]{22})"$/;
/** One member of a Content-Digest dictionary (RFC 9530 §2, RFC 8941 byte sequence), parameters ignored. */
const MEMBER = /^([a-z][a-z0-9_.*-]*)=:([A-Za-z0-9+/]*={0,2}):(?:;.*)?$/;

/** Base64 (with padding), as RFC 8941 byte sequences carry it. */
function toBase64(bytes: Uint8Array): string {
  const url = base64urlEncode(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return url + '='.repeat((4 - (url.length % 4)) % 4);
}

/**
 * The RFC 9530 `Content-Digest` value of a part's body, `sha-256=:<base64>:`.
 * Servers compute it once per file version and send it in the part's HEAD.
 */
export function contentDigestValue(body: Uint8Array): string {
  return `sha-256=:${toBase64(sha256(body))}:`;
}

/** Whether a part's checks need the body's SHA-256 (it names a `sha-256` Content-Digest or has a content-hash ETag). */
export function needsBodySha256(headers: { get(name: string): string | null }): boolean {
  return /(^|,)\s*sha-256=/.test(headers.get('content-digest') ?? '') || CONTENT_ETAG.test(headers.get('etag') ?? '');
}

/**
 * Checks a part's body against what its headers claim, given the body's
 * SHA-256 (`bodySha256`, computed by the caller, natively where it can):
 * a `Content-Digest` must be well formed and its `sha-256` member (other
 * algorithms are ignored, as RFC 9530 allows) must match; an ETag of the
 * `contentEtag()` form must be the body's hash. Returns the reason of the
 * first mismatch, or undefined when the part may be stored.
 */
export function partIntegrityProblem(headers: { get(name: string): string | null }, bodySha256: Uint8Array | undefined): string | undefined {
  const declared = headers.get('content-digest');
  if (declared !== null) {
    for (const raw of declared.split(',')) {
      const member = MEMBER.exec(raw.trim());
      if (!member) return 'malformed content-digest';
      if (member[1] !== 'sha-256') continue;
      if (!bodySha256) return 'content-digest not checked';
      if (member[2] !== toBase64(bodySha256)) return 'content-digest mismatch';
    }
  }
  const etag = CONTENT_ETAG.exec(headers.get('etag') ?? '');
  const coding = (headers.get('content-encoding') ?? '').trim().toLowerCase();
  // A content-hash ETag names the identity body; an encoded one is checked by its Content-Digest only.
  if (etag && (coding === '' || coding === 'identity')) {
    if (!bodySha256) return 'etag not checked';
    if (base64urlEncode(bodySha256).slice(0, 22) !== etag[1]) return 'body does not match its content-hash etag';
  }
  return undefined;
}
