import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentEtag } from '../etag.ts';
import { contentDigestValue, needsBodySha256, partIntegrityProblem } from './content-digest.ts';

const body = new TextEncoder().encode('body { color: red }');
const sha = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());
const headers = (record: Record<string, string>) => new Headers(record);

describe('part integrity (Content-Digest, content-hash ETag)', () => {
  it('writes the RFC 9530 form that node:crypto agrees with', () => {
    expect(contentDigestValue(body)).toBe(`sha-256=:${createHash('sha256').update(body).digest('base64')}:`);
    expect(contentDigestValue(new Uint8Array(0))).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  });

  it('accepts a body matching its digest and its content ETag', () => {
    const h = headers({ 'content-digest': contentDigestValue(body), etag: contentEtag(body) });
    expect(needsBodySha256(h)).toBe(true);
    expect(partIntegrityProblem(h, sha(body))).toBeUndefined();
  });

  it('refuses a body that differs from its Content-Digest', () => {
    const other = new TextEncoder().encode('body { color: blue }');
    expect(partIntegrityProblem(headers({ 'content-digest': contentDigestValue(body) }), sha(other))).toBe('content-digest mismatch');
  });

  it('refuses a body that differs from its content-hash ETag, even without Content-Digest', () => {
    const other = new TextEncoder().encode('body { color: blue }');
    const h = headers({ etag: contentEtag(body) });
    expect(needsBodySha256(h)).toBe(true);
    expect(partIntegrityProblem(h, sha(other))).toBe('body does not match its content-hash etag');
  });

  it('refuses a malformed Content-Digest, ignores unknown algorithms and other ETag forms', () => {
    expect(partIntegrityProblem(headers({ 'content-digest': 'sha-256=abc' }), sha(body))).toBe('malformed content-digest');
    expect(partIntegrityProblem(headers({ 'content-digest': 'unixsum=:AAAA:' }), undefined)).toBeUndefined();
    const weak = headers({ etag: 'W/"abc"' });
    expect(needsBodySha256(weak)).toBe(false);
    expect(partIntegrityProblem(weak, undefined)).toBeUndefined();
    // A content-hash ETag names the identity body: an encoded part is not held to it.
    expect(partIntegrityProblem(headers({ etag: contentEtag(body), 'content-encoding': 'gzip' }), sha(new Uint8Array(3)))).toBeUndefined();
  });
});
