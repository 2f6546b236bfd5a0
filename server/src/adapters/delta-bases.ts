import { constants as fsConstants } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { contentEtag } from '@cache-digest/shared';

/** A file a delta part can be made against: what the client may hold under another hashed name. */
export interface DeltaBase {
  /** Same-origin path the client would hold it under (same directory as the asset). */
  url: string;
  /** Its content-hash ETag (`contentEtag()`), as the static server sent it: the digest is queried with it. */
  etag: string;
  /** Its last 32 KiB (deflate's window): all a delta can refer to. */
  tail: Uint8Array;
  mtimeMs: number;
}

// Content-hashed names: `name-HASH.ext` (Vite, Rollup, esbuild: base64url hash of 8+) and `name.HASH.ext` (webpack's
// `[name].[contenthash]`, Parcel: alphanumeric hash of 8+). The greedy name takes the shortest hash that fits.
const HASHED_NAMES = [/^(.+)(-)([\w-]{8,64})(\.[A-Za-z0-9]+)$/, /^(.+)(\.)([A-Za-z0-9]{8,64})(\.[A-Za-z0-9]+)$/];
const WINDOW_BYTES = 32 * 1024;
// Bases larger than this are not read (the ETag needs the whole file).
const MAX_BASE_BYTES = 8 * 1024 * 1024;
// A directory's listing is refreshed in the background once this old: a deploy shows up within a second or two.
const LISTING_TTL_MS = 1000;
const MAX_DIRECTORIES = 256;
const MAX_BASES = 1024;
const MAX_FOUND = 4096;

type Listing = { name: string; filePath: string; mtimeMs: number; size: number }[];

/**
 * Finds the files an asset may be a new version of (docs/push-stream.md,
 * Delta parts): in the same directory under each of `roots` (the site's
 * own root, where old hashed files usually stay after a deploy, and
 * previous build directories), the other files of the same name stem,
 * separator, hash length and extension, newest first. Listings are cached
 * for a second and bases (ETag and last 32 KiB) per file version, both
 * bounded; no dotfiles, and nothing outside the roots: a directory whose
 * real path (symlinks resolved) leaves its root is not listed, and a
 * symlinked file is never read.
 */
export class DeltaBases {
  readonly #roots: Promise<string[]>;
  readonly #listings = new Map<string, { at: number; files: Promise<Listing> }>();
  readonly #bases = new Map<string, Promise<DeltaBase | null>>();
  readonly #found = new Map<string, { at: number; bases: Promise<DeltaBase[]> }>();

  constructor(roots: readonly string[]) {
    this.#roots = Promise.all(roots.map((root) => realpath(path.resolve(root)).catch(() => path.resolve(root))));
  }

  /** Candidate bases of the asset at `url` (a same-origin path), newest first; empty when its name is not content-hashed. */
  candidates(url: string): Promise<DeltaBase[]> {
    // Per asset, like the listings: answered from memory, looked up again in the background once a second old.
    const now = Date.now();
    const known = this.#found.get(url);
    if (known && now - known.at < LISTING_TTL_MS) return known.bases;
    const bases = this.#find(url);
    if (known) {
      known.at = now;
      void bases.then((found) => (known.bases = Promise.resolve(found)), () => undefined);
      return known.bases;
    }
    if (this.#found.size >= MAX_FOUND) this.#found.delete(this.#found.keys().next().value!);
    this.#found.set(url, { at: now, bases });
    return bases;
  }

  async #find(url: string): Promise<DeltaBase[]> {
    const slash = url.lastIndexOf('/');
    const dir = url.slice(0, slash + 1);
    const name = url.slice(slash + 1);
    if (!dir.startsWith('/') || /(^|\/)\.|\\|%|\?|#/.test(url)) return [];
    const shape = HASHED_NAMES.map((pattern) => pattern.exec(name)).find((match) => match !== null);
    if (!shape) return [];
    const [, stem, separator, hash, extension] = shape as unknown as [string, string, string, string, string];
    const found = new Map<string, DeltaBase>();
    for (const root of await this.#roots) {
      const directory = path.join(root, ...dir.split('/').filter(Boolean));
      if (path.relative(root, directory).startsWith('..')) continue;
      const listing = await this.#list(directory, root);
      for (const file of listing) {
        if (file.name === name || found.has(dir + file.name) || file.size > MAX_BASE_BYTES) continue;
        if (!file.name.startsWith(stem + separator) || !file.name.endsWith(extension)) continue;
        const other = file.name.slice(stem.length + 1, file.name.length - extension.length);
        if (other.length !== hash.length || !HASHED_NAMES.some((pattern) => pattern.exec(file.name)?.[1] === stem)) continue;
        const base = await this.#base(dir + file.name, file);
        if (base) found.set(base.url, base);
      }
    }
    return [...found.values()].sort((a, b) => b.mtimeMs - a.mtimeMs);
  }

  #list(directory: string, root: string): Promise<Listing> {
    const now = Date.now();
    const known = this.#listings.get(directory);
    if (known) {
      // Stale while revalidating: no request waits for a directory listing after the first.
      if (now - known.at >= LISTING_TTL_MS) {
        known.at = now;
        void readListing(directory, root).then((files) => (known.files = Promise.resolve(files)));
      }
      return known.files;
    }
    const files = readListing(directory, root);
    if (this.#listings.size >= MAX_DIRECTORIES) this.#listings.delete(this.#listings.keys().next().value!);
    this.#listings.set(directory, { at: now, files });
    return files;
  }

  #base(url: string, file: Listing[number]): Promise<DeltaBase | null> {
    const key = `${file.filePath}\n${file.mtimeMs}\n${file.size}`;
    let base = this.#bases.get(key);
    if (!base) {
      base = readBase(url, file).catch(() => null);
      if (this.#bases.size >= MAX_BASES) this.#bases.delete(this.#bases.keys().next().value!);
      this.#bases.set(key, base);
    }
    return base;
  }
}

/** The files of `directory` (a symlinked directory only when it resolves inside `root`, itself a real path). */
async function readListing(directory: string, root: string): Promise<Listing> {
  let entries;
  try {
    const real = await realpath(directory);
    if (real !== root && !real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) return [];
    // Listed (and its files read) by the real path that was checked.
    directory = real;
    entries = await readdir(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: Listing = [];
  await Promise.all(
    entries
      .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
      .map(async (entry) => {
        const filePath = path.join(directory, entry.name);
        const info = await stat(filePath).catch(() => null);
        if (info?.isFile()) files.push({ name: entry.name, filePath, mtimeMs: info.mtimeMs, size: info.size });
      }),
  );
  return files;
}

async function readBase(url: string, file: { filePath: string; mtimeMs: number; size: number }): Promise<DeltaBase | null> {
  // Not through a symlink put in the file's place since it was listed.
  const handle = await open(file.filePath, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  try {
    const bytes = new Uint8Array(file.size);
    let offset = 0;
    while (offset < bytes.byteLength) {
      const { bytesRead } = await handle.read(bytes, offset, bytes.byteLength - offset, offset);
      if (bytesRead === 0) return null; // shorter than listed: changed meanwhile
      offset += bytesRead;
    }
    // The static server's ETag, as the digest's validators entries name it.
    const etag = contentEtag(bytes);
    return { url, etag, tail: bytes.slice(Math.max(0, bytes.byteLength - WINDOW_BYTES)), mtimeMs: file.mtimeMs };
  } finally {
    await handle.close();
  }
}
