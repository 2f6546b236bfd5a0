import { contentEtag } from '@cache-digest/shared';
import type { AssetSource } from './asset-source.ts';

/** One file of a {@link memorySite}. */
export interface MemoryFile {
  body: Uint8Array | string;
  /** Content type, e.g. `text/css; charset=utf-8`. */
  type: string;
  /** Strong ETag, quotes included (default: from the content, as the manifest builder computes it). */
  etag?: string;
  /** Default `no-cache` for HTML, else `public, max-age=3600`. */
  cacheControl?: string;
}

const encoder = new TextEncoder();

/**
 * An {@link AssetSource} over files held in memory or bundled into the
 * worker, keyed by absolute path (`/index.html`); a path ending in `/` maps
 * to its `index.html`. Answers GET and HEAD with content-type,
 * content-length, etag and cache-control, and 304 to a matching
 * `If-None-Match`. Nothing outside the given keys is ever served.
 */
export function memorySite(files: Record<string, MemoryFile>): AssetSource {
  const table = new Map<string, { body: Uint8Array; headers: Record<string, string> }>();
  for (const [path, file] of Object.entries(files)) {
    const body = typeof file.body === 'string' ? encoder.encode(file.body) : file.body;
    table.set(path, {
      body,
      headers: {
        'content-type': file.type,
        'content-length': String(body.byteLength),
        etag: file.etag ?? contentEtag(body),
        'cache-control': file.cacheControl ?? (file.type.startsWith('text/html') ? 'no-cache' : 'public, max-age=3600'),
      },
    });
  }
  return (url, request) => {
    const path = url.pathname.endsWith('/') ? `${url.pathname}index.html` : url.pathname;
    const file = table.get(path);
    const method = request?.method ?? 'GET';
    if (!file || (method !== 'GET' && method !== 'HEAD')) return undefined;
    const match = request?.headers.get('if-none-match');
    if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.headers.etag)) {
      const { 'content-length': _length, 'content-type': _type, ...headers } = file.headers;
      return new Response(null, { status: 304, headers });
    }
    return new Response(method === 'HEAD' ? null : file.body.slice(), { status: 200, headers: file.headers });
  };
}
