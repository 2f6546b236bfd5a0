import { isContentHashedName } from './cache-control.ts';

/** What decides which files are served `immutable` (see {@link immutablePaths}). */
export interface ImmutablePathsOptions {
  /**
   * URL paths known to be content-hashed (a push manifest's `immutable`
   * list). When given, exactly these (plus `globs`) are immutable and the
   * file-name guess is not used.
   */
  listed?: readonly string[];
  /** Globs of URL paths that are immutable too (`/assets/**`, `*.woff2`; without a `/`, matched against the file name). */
  globs?: readonly string[];
}

/** Most globs, and longest glob, accepted (they come from the command line or a config). */
const MAX_GLOBS = 256;
const MAX_GLOB_LENGTH = 1024;

/** A glob as a RegExp: `**` any characters, `*` any but `/`, `?` one but `/`; everything else literal. */
function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      // `/**/` also matches a single `/`.
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Thrown for a glob that cannot be used. */
export class ImmutableGlobError extends TypeError {
  readonly code = 'BAD_GLOB';
}

/** The decoded form of a URL path, or the path itself when it does not decode. */
function decodedPath(urlPath: string): string {
  const path = urlPath.split(/[?#]/, 1)[0]!;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The test a static server uses to send `Cache-Control: ..., immutable`:
 * true for a URL path (`/assets/app-DdorVCpF.js`) in `listed` or matching
 * one of `globs`; without `listed`, also for a file name that looks
 * content-hashed ({@link isContentHashedName}). Throws
 * {@link ImmutableGlobError} for an empty, overlong or too many globs.
 */
export function immutablePaths(options: ImmutablePathsOptions = {}): (urlPath: string) => boolean {
  const globs = options.globs ?? [];
  if (globs.length > MAX_GLOBS) throw new ImmutableGlobError(`at most ${MAX_GLOBS} immutable globs`);
  const byPath: RegExp[] = [];
  const byName: RegExp[] = [];
  for (const glob of globs) {
    if (typeof glob !== 'string' || glob === '' || glob.length > MAX_GLOB_LENGTH) {
      throw new ImmutableGlobError(`an immutable glob must be 1..${MAX_GLOB_LENGTH} characters`);
    }
    if (glob.includes('/')) byPath.push(globRegExp(glob.startsWith('/') ? glob : `/${glob}`));
    else byName.push(globRegExp(glob));
  }
  const listed = options.listed ? new Set(options.listed.map(decodedPath)) : undefined;
  return (urlPath) => {
    const path = decodedPath(urlPath);
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (byPath.some((pattern) => pattern.test(path)) || byName.some((pattern) => pattern.test(name))) return true;
    return listed ? listed.has(path) : isContentHashedName(name);
  };
}
