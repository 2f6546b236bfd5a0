import { createReadStream, watch, type FSWatcher } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { contentEtag } from '@cache-digest/shared';
import { negotiateEncoding, type ContentCoding } from './accept-encoding.ts';
import { ByteCache } from './byte-cache.ts';
import { defaultCacheControl, isContentHashedName } from './cache-control.ts';
import { evaluatePreconditions, ifRangeAllows } from './conditional.ts';
import { contentTypeFor, isCompressibleType, mediaTypeEssence } from './content-type.ts';
import { streamContentEtag } from './file-etag.ts';
import { parseRange, type ByteRange } from './range.ts';
import { StaticFileError } from './static-file-error.ts';
import type { StaticFile, StaticRequest, StaticResponse, StaticSiteOptions } from './types.ts';
import { formatUrlPath, MAX_URL_PATH_LENGTH, parseUrlPath, type ParsedUrlPath } from './url-path.ts';

const DEFAULT_MAX_CACHED_FILE_BYTES = 4 * 1024 * 1024;
// Total memory for file bytes and for compressed variants (each cache).
const FILE_CACHE_BYTES = 64 * 1024 * 1024;
const ENCODED_CACHE_BYTES = 32 * 1024 * 1024;
const MAX_ETAG_RECORDS = 10_000;
// Below this, compression saves less than its headers cost.
const MIN_COMPRESS_BYTES = 256;
const ALLOWED_METHODS = 'GET, HEAD';
/**
 * How long a described file is trusted without looking at the disk again.
 * The folder is watched (recursively), and any change there drops every
 * description at once; this bound covers what a watch cannot see (a symlink's
 * target outside the root, a platform without recursive watching).
 */
export const REVALIDATE_MS = 1000;
/**
 * How much longer a busy path's description still answers while its look at
 * the disk (started by the first request past {@link REVALIDATE_MS}) is under
 * way: a changed file is served at most this late beyond the bound.
 */
export const REVALIDATE_GRACE_MS = 250;
// Descriptions kept at most; keys are request paths, which clients choose.
const MAX_DESCRIBED = 10_000;

/** A file described once: what every request for it needs, headers included. */
interface Described {
  file: StaticFile;
  checkedAt: number;
  /** The generation of the table it was made in (a watch event starts a new one). */
  generation: number;
  compressible: boolean;
  validators: Record<string, string>;
  common: Record<string, string>;
  /** Headers of a full 200 in identity encoding. */
  identity: Record<string, string>;
  /** The look at the disk under way, shared by concurrent requests. */
  revalidating?: Promise<Described | { kind: 'directory' } | null> | undefined;
  /** The identity bytes, once read (files up to the memory limit). */
  body?: Uint8Array;
  /** Compressed variants, found or made once per description. */
  encoded: Map<ContentCoding, Promise<{ body: EncodedBody; headers: Record<string, string> } | null>>;
  /** The in-memory variants once made (null: not worth compressing), for answers without waiting. */
  encodedReady: Map<ContentCoding, { headers: Record<string, string>; bytes: Uint8Array } | null>;
}

const brotliCompress = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

interface EtagRecord {
  size: number;
  mtimeMs: number;
  etag: string;
}

type Located = { kind: 'file'; filePath: string; urlPath: string; info: Stats } | { kind: 'directory' };

type EncodedBody = { bytes: Uint8Array } | { stream: Readable; size: number };

// Integer milliseconds, as `Date` keeps them; `Stats.mtimeMs` has a fraction.
const wholeMs = (mtimeMs: number): number => Math.floor(mtimeMs);
const fileKey = (filePath: string, mtimeMs: number, size: number): string => `${filePath}|${wholeMs(mtimeMs)}|${size}`;

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function textResponse(status: number, text: string, method: string, extra: Record<string, string> = {}): StaticResponse {
  const body = new TextEncoder().encode(text + '\n');
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(body.byteLength),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...extra,
    },
    body: method === 'HEAD' ? null : body,
  };
}

/**
 * Serves a folder the way a production static server does: content-hash
 * ETags, Last-Modified, conditional requests, single ranges, gzip/brotli
 * (precompressed siblings preferred), cache lifetimes by kind of file, and
 * no way out of the root. Results are runtime-neutral objects that an HTTP/1.1
 * or HTTP/2 adapter writes; no method throws except {@link StaticSite.read}.
 *
 * Each file is located (symlinks resolved, traversal and dotfiles refused)
 * and described once: ETag, validators, header sets, small bodies in memory.
 * Requests for a described path make no file-system call. The folder is
 * watched recursively and any change there drops the descriptions; a
 * description is also looked at again after {@link REVALIDATE_MS} (once for
 * all concurrent requests), which bounds what a watch cannot see. A file
 * added after start is served at once (refusals are never remembered); a
 * changed or removed one is answered correctly within that bound.
 */
export class StaticSite {
  /** The folder being served, as given (absolute). */
  readonly root: string;
  readonly #cacheControl: { html: string; hashed: string; other: string };
  readonly #immutable: (urlPath: string) => boolean;
  readonly #compress: boolean;
  readonly #maxCachedFileBytes: number;
  readonly #files = new ByteCache(FILE_CACHE_BYTES);
  readonly #encoded = new ByteCache(ENCODED_CACHE_BYTES);
  readonly #etags = new Map<string, Promise<EtagRecord>>();
  readonly #pending = new Map<string, Promise<Uint8Array>>();
  #rootReal: Promise<string> | undefined;
  // Request path (without query) -> description, and canonical URL path -> description (one per file).
  readonly #described = new Map<string, Described>();
  readonly #byFile = new Map<string, Described>();
  #generation = 0;
  #watcher: FSWatcher | undefined;
  #watching = false;

  constructor(options: StaticSiteOptions) {
    if (!options || typeof options.root !== 'string' || options.root === '') {
      throw new TypeError('StaticSite: options.root must be a folder path');
    }
    this.root = path.resolve(options.root);
    this.#cacheControl = { ...defaultCacheControl, ...options.cacheControl };
    this.#immutable = options.immutable ?? ((urlPath) => isContentHashedName(path.basename(decodeURIComponent(urlPath))));
    this.#compress = options.compress ?? true;
    const max = options.maxCachedFileBytes ?? DEFAULT_MAX_CACHED_FILE_BYTES;
    this.#maxCachedFileBytes = Number.isFinite(max) && max >= 0 ? Math.floor(max) : DEFAULT_MAX_CACHED_FILE_BYTES;
  }

  /**
   * Resolves a URL path to a servable file: `/` -> `/index.html`,
   * `/dir/` -> `/dir/index.html`, percent-decoding, no traversal, no
   * dotfiles, no symlinks out of the root; null when not servable. Never throws.
   */
  async resolve(urlPath: string): Promise<StaticFile | null> {
    try {
      const known = this.#current(urlPath);
      if (known) return known.file;
      const parsed = parseUrlPath(urlPath);
      if (!parsed.ok) return null;
      const described = await this.#lookup(urlPath, parsed);
      return described && 'file' in described ? described.file : null;
    } catch {
      return null;
    }
  }

  /** Stops watching the folder (descriptions then expire after {@link REVALIDATE_MS}). */
  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** The full response for a request: 200/206/301/304/400/404/405/412/414/416/500. Never throws. */
  async handle(request: StaticRequest): Promise<StaticResponse> {
    const method = typeof request?.method === 'string' ? request.method : '';
    try {
      if (method !== 'GET' && method !== 'HEAD') {
        return textResponse(405, 'Method Not Allowed', method, { allow: ALLOWED_METHODS });
      }
      // A path described a moment ago was parsed then: answered from its description at once.
      const known = this.#current(request?.path);
      if (known) {
        try {
          return await this.#respond(known, method, request);
        } catch (error) {
          if (!(error instanceof StaticFileError)) throw error;
          this.#forget(request.path);
        }
      }
      const parsed = parseUrlPath(request.path);
      if (!parsed.ok) {
        if (parsed.problem === 'too-long') return textResponse(414, 'URI Too Long', method);
        if (parsed.problem === 'bad') return textResponse(400, 'Bad Request', method);
        return textResponse(404, 'Not Found', method);
      }
      // A file that changes between resolve and read is resolved once more.
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.#serve(parsed, method, request);
        } catch (error) {
          if (!(error instanceof StaticFileError) || attempt >= 1) throw error;
          this.#forget(request.path);
        }
      }
    } catch {
      return textResponse(500, 'Internal Server Error', method);
    }
  }

  /**
   * The file's bytes (identity encoding), from a bounded in-memory cache keyed
   * by path, mtime and size. Throws {@link StaticFileError} when the file is
   * gone or has changed since it was resolved (its ETag would be wrong).
   */
  async read(file: StaticFile): Promise<Uint8Array> {
    // The file as described now: its bytes are already at hand.
    const described = this.#byFile.get(file.urlPath);
    if (described?.file === file && described.body) return described.body;
    const key = fileKey(file.filePath, file.mtime.getTime(), file.size);
    const cached = this.#files.get(key);
    if (cached) {
      if (described?.file === file && cached.byteLength === file.size) described.body = cached;
      return cached;
    }
    return this.#once(`read|${key}`, async () => {
      const { bytes, size, mtimeMs } = await this.#readWhole(file.filePath, Number.POSITIVE_INFINITY);
      if (size !== file.size || wholeMs(mtimeMs) !== file.mtime.getTime()) {
        throw new StaticFileError('CHANGED', `${file.urlPath} changed on disk since it was resolved`);
      }
      if (size <= this.#maxCachedFileBytes) this.#files.set(key, bytes!);
      return bytes!;
    });
  }

  /**
   * The description of the file a request path names, from the table when
   * it is current (no file-system call), else located and described again;
   * `directory` for a folder with an index, null when nothing servable is there.
   */
  async #lookup(rawPath: string, parsed: ParsedUrlPath & { ok: true }): Promise<Described | { kind: 'directory' } | null> {
    this.#watch();
    const query = rawPath.search(/[?#]/);
    const key = query < 0 ? rawPath : rawPath.slice(0, query);
    const known = this.#described.get(key);
    if (known && known.generation === this.#generation) {
      if (Date.now() - known.checkedAt < REVALIDATE_MS) return known;
      // Past the bound: one look at the disk for everyone (concurrent requests keep the description meanwhile).
      if (!known.revalidating) {
        known.revalidating = this.#describeAgain(key, parsed).finally(() => (known.revalidating = undefined));
      }
      return known.revalidating;
    }
    return this.#describeAgain(key, parsed);
  }

  async #describeAgain(key: string, parsed: ParsedUrlPath & { ok: true }): Promise<Described | { kind: 'directory' } | null> {
    const generation = this.#generation;
    const located = await this.#locate(parsed.segments, parsed.directory);
    if (!located) {
      this.#described.delete(key);
      return null;
    }
    if (located.kind === 'directory') return located;
    const file = await this.#describe(located.filePath, located.urlPath, located.info);
    // Unchanged on disk: keep the file's description (and its compressed variants), only its check time moves.
    const same = this.#byFile.get(file.urlPath);
    if (same && same.file.filePath === file.filePath && same.file.etag === file.etag && same.file.mtime.getTime() === file.mtime.getTime() && same.file.size === file.size) {
      if (generation === this.#generation) {
        same.checkedAt = Date.now();
        same.generation = generation;
        this.#remember(key, same);
      }
      return same;
    }
    const compressible = this.#compress && isCompressibleType(file.contentType);
    const validators: Record<string, string> = {
      etag: file.etag,
      'last-modified': file.mtime.toUTCString(),
      'cache-control': file.cacheControl,
      ...(compressible ? { vary: 'accept-encoding' } : {}),
    };
    const common: Record<string, string> = { ...validators, 'content-type': file.contentType, 'accept-ranges': 'bytes', 'x-content-type-options': 'nosniff' };
    const described: Described = {
      file,
      checkedAt: Date.now(),
      generation,
      compressible,
      validators,
      common,
      identity: { ...common, 'content-length': String(file.size) },
      encoded: new Map(),
      encodedReady: new Map(),
    };
    // A change seen while this was described (a newer generation) must not be masked by it.
    if (generation === this.#generation) {
      this.#byFile.set(file.urlPath, described);
      if (this.#byFile.size > MAX_DESCRIBED) this.#byFile.delete(this.#byFile.keys().next().value!);
      this.#remember(key, described);
    }
    return described;
  }

  #remember(key: string, described: Described): void {
    this.#described.delete(key);
    this.#described.set(key, described);
    if (this.#described.size > MAX_DESCRIBED) this.#described.delete(this.#described.keys().next().value!);
  }

  /** Watches the folder once: any change there (a file added, changed, removed or renamed) drops every description. */
  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    try {
      const watcher = watch(this.root, { recursive: true, persistent: false }, () => {
        this.#generation++;
        this.#described.clear();
        this.#byFile.clear();
      });
      watcher.on('error', () => {
        // The folder went away or the watch failed: the revalidation bound alone keeps descriptions current.
        watcher.close();
        if (this.#watcher === watcher) this.#watcher = undefined;
      });
      this.#watcher = watcher;
    } catch {
      // No such folder yet, or no recursive watch here: the revalidation bound applies.
      this.#watching = false;
    }
  }

  async #serve(parsed: ParsedUrlPath & { ok: true }, method: string, request: StaticRequest): Promise<StaticResponse> {
    const found = await this.#lookup(request.path, parsed);
    if (!found) return textResponse(404, 'Not Found', method);
    if (!('file' in found)) {
      return textResponse(301, 'Moved Permanently', method, { location: formatUrlPath(parsed.segments) + '/' });
    }
    return this.#respond(found, method, request);
  }

  /** A described file's response to one request (headers a copy the caller may change). */
  async #respond(found: Described, method: string, request: StaticRequest): Promise<StaticResponse> {
    const headers = request.headers ?? {};
    const now = this.#answerFrom(found, method, headers);
    if (now) return { status: now.status, headers: { ...now.headers }, body: now.body };
    const { file, compressible, common } = found;

    // Ranges are served from the identity encoding, so byte offsets match the ETag's bytes.
    if (headers['range'] !== undefined && ifRangeAllows(headers['if-range'], { etag: file.etag, mtime: file.mtime })) {
      const range = parseRange(headers['range'], file.size);
      if (range.kind === 'range') {
        const { start, end } = range.range;
        return {
          status: 206,
          headers: { ...common, 'content-range': `bytes ${start}-${end}/${file.size}`, 'content-length': String(end - start + 1) },
          body: method === 'HEAD' ? null : await this.#identityBody(file, range.range),
        };
      }
    }
    if (compressible) {
      const coding = negotiateEncoding(headers['accept-encoding']);
      if (coding !== 'identity') {
        let variant = found.encoded.get(coding);
        if (!variant) {
          variant = this.#encodedBody(file, coding).then((body) => {
            if (!body) return null;
            const size = 'bytes' in body ? body.bytes.byteLength : body.size;
            return { body, headers: { ...common, 'content-encoding': coding, 'content-length': String(size) } };
          });
          // Only in-memory variants are kept; a streamed one is opened per request.
          found.encoded.set(coding, variant);
          variant.then(
            (result) => {
              if (result && 'stream' in result.body) found.encoded.delete(coding);
              else found.encodedReady.set(coding, result && 'bytes' in result.body ? { headers: result.headers, bytes: result.body.bytes } : null);
            },
            () => found.encoded.delete(coding),
          );
        }
        const encoded = await variant;
        if (encoded) {
          if ('stream' in encoded.body) {
            found.encoded.delete(coding);
            if (method === 'HEAD') encoded.body.stream.destroy();
          }
          return { status: 200, headers: { ...encoded.headers }, body: method === 'HEAD' ? null : 'bytes' in encoded.body ? encoded.body.bytes : encoded.body.stream };
        }
      }
    }
    let body: Uint8Array | Readable | null = null;
    if (method !== 'HEAD') {
      if (found.body) body = found.body;
      else {
        body = await this.#identityBody(file, { start: 0, end: file.size - 1 });
        if (body instanceof Uint8Array && body.byteLength === file.size) found.body = body;
      }
    }
    return { status: 200, headers: { ...found.identity }, body };
  }

  /**
   * The response when the description alone (and bytes already in memory)
   * can give it, without waiting; undefined when it needs the disk or a
   * compression first. Headers are the description's own objects.
   */
  #answerFrom(found: Described, method: string, headers: StaticRequest['headers']): StaticResponse | undefined {
    const { file, compressible, common } = found;
    if (headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined || headers['if-match'] !== undefined || headers['if-unmodified-since'] !== undefined) {
      const precondition = evaluatePreconditions(headers, { etag: file.etag, mtime: file.mtime });
      if (precondition === 'failed') return textResponse(412, 'Precondition Failed', method);
      if (precondition === 'not-modified') return { status: 304, headers: found.validators, body: null };
    }
    if (headers['range'] !== undefined && ifRangeAllows(headers['if-range'], { etag: file.etag, mtime: file.mtime })) {
      const range = parseRange(headers['range'], file.size);
      if (range.kind === 'unsatisfiable') {
        return textResponse(416, 'Range Not Satisfiable', method, { 'content-range': `bytes */${file.size}` });
      }
      if (range.kind === 'range') {
        if (method !== 'HEAD' && !found.body) return undefined;
        const { start, end } = range.range;
        return {
          status: 206,
          headers: { ...common, 'content-range': `bytes ${start}-${end}/${file.size}`, 'content-length': String(end - start + 1) },
          body: method === 'HEAD' ? null : found.body!.subarray(start, end + 1),
        };
      }
    }
    if (compressible) {
      const coding = negotiateEncoding(headers['accept-encoding']);
      if (coding !== 'identity') {
        const ready = found.encodedReady.get(coding);
        if (ready === undefined) return undefined;
        if (ready !== null) return { status: 200, headers: ready.headers, body: method === 'HEAD' ? null : ready.bytes };
      }
    }
    if (method === 'HEAD') return { status: 200, headers: found.identity, body: null };
    return found.body ? { status: 200, headers: found.identity, body: found.body } : undefined;
  }

  /**
   * The response to a GET or HEAD of a path described a moment ago, when it
   * can be given at once from memory (no file-system call, no waiting);
   * undefined otherwise (then {@link handle} answers). For a server's hot
   * path: the returned headers object is shared by every such answer and
   * must not be changed.
   */
  answerNow(request: StaticRequest): StaticResponse | undefined {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const known = this.#current(request.path) ?? this.#revalidating(request.path);
    return known ? this.#answerFrom(known, request.method, request.headers ?? {}) : undefined;
  }

  /**
   * A description just past the revalidation bound (by less than
   * {@link REVALIDATE_GRACE_MS}): its one look at the disk is started if it
   * has not been, and it answers meanwhile, so a busy path neither leaves the
   * fast path nor waits once a second. Later than that, the ordinary path looks first.
   */
  #revalidating(rawPath: unknown): Described | undefined {
    if (typeof rawPath !== 'string' || rawPath.length > MAX_URL_PATH_LENGTH) return undefined;
    const query = rawPath.search(/[?#]/);
    const key = query < 0 ? rawPath : rawPath.slice(0, query);
    const known = this.#described.get(key);
    if (!known || known.generation !== this.#generation || Date.now() - known.checkedAt >= REVALIDATE_MS + REVALIDATE_GRACE_MS) return undefined;
    if (!known.revalidating) {
      const parsed = parseUrlPath(key);
      if (!parsed.ok) return undefined;
      const pending = this.#describeAgain(key, parsed).finally(() => (known.revalidating = undefined));
      // Nobody waits for this one: a failure only leaves the next request to the ordinary path.
      pending.catch(() => this.#forget(key));
      known.revalidating = pending;
    }
    return known;
  }

  /** The description of a request path when it is current (no parsing, no file-system call). */
  #current(rawPath: unknown): Described | undefined {
    if (typeof rawPath !== 'string' || rawPath.length > MAX_URL_PATH_LENGTH) return undefined;
    const query = rawPath.search(/[?#]/);
    const known = this.#described.get(query < 0 ? rawPath : rawPath.slice(0, query));
    return known && known.generation === this.#generation && Date.now() - known.checkedAt < REVALIDATE_MS ? known : undefined;
  }

  #forget(rawPath: string): void {
    const query = rawPath.search(/[?#]/);
    this.#described.delete(query < 0 ? rawPath : rawPath.slice(0, query));
  }

  async #root(): Promise<string> {
    if (!this.#rootReal) {
      const pending = realpath(this.root);
      this.#rootReal = pending;
      // A root that does not exist yet may appear later: do not keep the failure.
      pending.catch(() => {
        if (this.#rootReal === pending) this.#rootReal = undefined;
      });
    }
    return this.#rootReal;
  }

  /** Finds the file for decoded segments, refusing anything whose real path leaves the root or is hidden. */
  async #locate(segments: readonly string[], directory: boolean): Promise<Located | null> {
    const rootReal = await this.#root().catch(() => null);
    if (rootReal === null) return null;
    const lookup = directory ? [...segments, 'index.html'] : [...segments];
    if (lookup.length === 0) return null;
    const real = await this.#realInside(rootReal, path.join(rootReal, ...lookup));
    if (!real) return null;
    const info = await stat(real);
    if (info.isDirectory()) {
      if (directory) return null;
      const index = await this.#locate(segments, true);
      return index ? { kind: 'directory' } : null;
    }
    if (!info.isFile()) return null;
    return { kind: 'file', filePath: real, urlPath: formatUrlPath(lookup), info };
  }

  async #realInside(rootReal: string, candidate: string): Promise<string | null> {
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      return null;
    }
    if (!isInside(rootReal, real)) return null;
    // A symlink inside the root must not lead to a hidden file either.
    const relative = path.relative(rootReal, real);
    if (relative.split(path.sep).some((part) => part.startsWith('.'))) return null;
    return real;
  }

  async #describe(filePath: string, urlPath: string, info: Stats): Promise<StaticFile> {
    const key = fileKey(filePath, info.mtimeMs, info.size);
    let record = this.#etags.get(key);
    if (!record) {
      record = this.#computeEtag(filePath);
      this.#etags.set(key, record);
      record.catch(() => this.#etags.delete(key));
      if (this.#etags.size > MAX_ETAG_RECORDS) this.#etags.delete(this.#etags.keys().next().value!);
    }
    const { size, mtimeMs, etag } = await record;
    const fileName = path.basename(filePath);
    const contentType = contentTypeFor(urlPath.split('/').pop() || fileName);
    const cacheControl =
      mediaTypeEssence(contentType) === 'text/html'
        ? this.#cacheControl.html
        : this.#immutable(urlPath)
          ? this.#cacheControl.hashed
          : this.#cacheControl.other;
    return { urlPath, filePath, size, mtime: new Date(wholeMs(mtimeMs)), etag, contentType, cacheControl };
  }

  /** The ETag of what is on disk now, hashing exactly the bytes the size and mtime describe. */
  async #computeEtag(filePath: string): Promise<EtagRecord> {
    const { bytes, size, mtimeMs } = await this.#readWhole(filePath, this.#maxCachedFileBytes);
    if (bytes) {
      this.#files.set(fileKey(filePath, mtimeMs, size), bytes);
      return { size, mtimeMs, etag: contentEtag(bytes) };
    }
    return { size, mtimeMs, etag: await streamContentEtag(filePath, size) };
  }

  /** Reads a file through one descriptor so size, mtime and bytes agree; bytes undefined above `limit`. */
  async #readWhole(filePath: string, limit: number): Promise<{ bytes?: Uint8Array; size: number; mtimeMs: number }> {
    let handle;
    try {
      handle = await open(filePath, 'r');
    } catch {
      throw new StaticFileError('NOT_FOUND', `${filePath} cannot be opened`);
    }
    try {
      const info = await handle.stat();
      if (info.size > limit) return { size: info.size, mtimeMs: info.mtimeMs };
      const bytes = new Uint8Array(info.size);
      let offset = 0;
      while (offset < bytes.byteLength) {
        const { bytesRead } = await handle.read(bytes, offset, bytes.byteLength - offset, offset);
        if (bytesRead === 0) throw new StaticFileError('CHANGED', `${filePath} shrank while being read`);
        offset += bytesRead;
      }
      return { bytes, size: info.size, mtimeMs: info.mtimeMs };
    } finally {
      await handle.close();
    }
  }

  async #identityBody(file: StaticFile, range: ByteRange): Promise<Uint8Array | Readable> {
    if (file.size === 0 || range.end < range.start) return new Uint8Array(0);
    if (file.size <= this.#maxCachedFileBytes) {
      const bytes = await this.read(file);
      return range.start === 0 && range.end === bytes.byteLength - 1 ? bytes : bytes.subarray(range.start, range.end + 1);
    }
    return createReadStream(file.filePath, { start: range.start, end: range.end });
  }

  /** A compressed body: a fresh precompressed sibling (`.br`, `.gz`), else compressed here and cached; null when not worth it. */
  async #encodedBody(file: StaticFile, coding: Exclude<ContentCoding, 'identity'>): Promise<EncodedBody | null> {
    const rootReal = await this.#root();
    const sibling = await this.#realInside(rootReal, file.filePath + (coding === 'br' ? '.br' : '.gz'));
    if (sibling) {
      const info = await stat(sibling);
      // An older sibling may hold old content: its bytes would not match the ETag.
      if (info.isFile() && wholeMs(info.mtimeMs) >= file.mtime.getTime()) {
        if (info.size <= this.#maxCachedFileBytes) {
          const key = fileKey(sibling, info.mtimeMs, info.size);
          const cached = this.#encoded.get(key);
          if (cached) return { bytes: cached };
          const { bytes } = await this.#readWhole(sibling, this.#maxCachedFileBytes);
          if (bytes) {
            this.#encoded.set(key, bytes);
            return { bytes };
          }
        } else {
          return { stream: createReadStream(sibling, { start: 0, end: Math.max(0, info.size - 1) }), size: info.size };
        }
      }
    }
    if (file.size < MIN_COMPRESS_BYTES || file.size > this.#maxCachedFileBytes) return null;
    const key = `${fileKey(file.filePath, file.mtime.getTime(), file.size)}|${coding}`;
    const cached = this.#encoded.get(key);
    // An empty entry records that compression did not make the file smaller.
    if (cached) return cached.byteLength === 0 ? null : { bytes: cached };
    const bytes = await this.#once(`encode|${key}`, async () => {
      const identity = await this.read(file);
      const compressed = new Uint8Array(
        coding === 'br'
          ? await brotliCompress(identity, {
              params: {
                [zlib.constants.BROTLI_PARAM_QUALITY]: 9,
                [zlib.constants.BROTLI_PARAM_SIZE_HINT]: identity.byteLength,
              },
            })
          : await gzip(identity, { level: 9 }),
      );
      const result = compressed.byteLength < identity.byteLength ? compressed : new Uint8Array(0);
      this.#encoded.set(key, result);
      return result;
    });
    return bytes.byteLength === 0 ? null : { bytes };
  }

  /** Runs `task` once per key at a time; concurrent callers share its promise. */
  #once(key: string, task: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const running = this.#pending.get(key);
    if (running) return running;
    const promise = task().finally(() => this.#pending.delete(key));
    this.#pending.set(key, promise);
    return promise;
  }
}
