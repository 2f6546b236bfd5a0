import { contentDigestValue } from '@cache-digest/shared';

/** Content-Digest values by file version (URL, ETag, length, Last-Modified): each file is hashed once, not per request. */
const contentDigests = new Map<string, string>();
const MAX_CONTENT_DIGESTS = 4096;

/**
 * The RFC 9530 `Content-Digest` of an asset body, kept per file version
 * when it has an ETag (bounded, oldest out); runtime-neutral.
 */
export function contentDigestOf(url: string, etag: string | undefined, lastModified: string | undefined, body: Uint8Array): string {
  if (etag === undefined) return contentDigestValue(body);
  const key = `${url}\n${etag}\n${body.byteLength}\n${lastModified ?? ''}`;
  let value = contentDigests.get(key);
  if (value === undefined) {
    value = contentDigestValue(body);
    if (contentDigests.size >= MAX_CONTENT_DIGESTS) contentDigests.delete(contentDigests.keys().next().value!);
    contentDigests.set(key, value);
  }
  return value;
}
