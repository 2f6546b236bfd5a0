import type { Readable } from 'node:stream';

/** How a {@link StaticSite} serves a folder. */
export interface StaticSiteOptions {
  /** The folder to serve; nothing outside it (after resolving symlinks) is ever served. */
  root: string;
  /** Cache-Control per kind of file; defaults: `no-cache` (HTML), `public, max-age=31536000, immutable` (content-hashed names), `public, max-age=3600` (other). */
  cacheControl?: { html?: string; hashed?: string; other?: string };
  /** Which non-HTML URL paths get the `hashed` Cache-Control (see `immutablePaths`); default: content-hashed file names. */
  immutable?: (urlPath: string) => boolean;
  /** gzip / brotli for compressible types when the client accepts them (default true). */
  compress?: boolean;
  /** Largest file kept in memory (bytes, ETag-consistent) and compressed on the fly; larger files are streamed from disk. Default 4 MiB. */
  maxCachedFileBytes?: number;
}

/** A servable file, resolved from a URL path. */
export interface StaticFile {
  /** Canonical URL path, percent-encoded (`/index.html` for `/`). */
  urlPath: string;
  /** Absolute path of the file on disk (symlinks resolved). */
  filePath: string;
  /** Size in bytes (identity encoding). */
  size: number;
  mtime: Date;
  /** Strong content ETag, `contentEtag()` of the bytes, quotes included. */
  etag: string;
  /** Content-Type header value (charset=utf-8 for text types). */
  contentType: string;
  /** Cache-Control header value. */
  cacheControl: string;
}

/** A request, independent of the HTTP/1.1 or HTTP/2 API it came from. */
export interface StaticRequest {
  method: string;
  /** Raw request path including the query (`/a/b.css?v=1`). */
  path: string;
  /** Request headers, names lower-case. */
  headers: Record<string, string | string[] | undefined>;
}

/** A response, independent of the HTTP API that will write it. Header names are lower-case. */
export interface StaticResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes, a stream of bytes, or null (HEAD, 304 and the like). */
  body: Uint8Array | Readable | null;
}
