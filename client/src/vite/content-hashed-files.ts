import type { Rollup } from 'vite';

/** The file-name patterns of a build's output options (strings, or functions of the file). */
interface FileNamePatterns {
  entryFileNames?: unknown;
  chunkFileNames?: unknown;
  assetFileNames?: unknown;
}

const escape = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * Whether `fileName` was produced by `pattern` with a `[hash]` in it, for a
 * file whose `[name]` is one of `names`: the pattern becomes a RegExp with
 * the name filled in, so a file emitted under a fixed name (the kit's own
 * worker) never counts as hashed.
 */
function madeWithHash(pattern: string, fileName: string, names: readonly string[], extension: string): boolean {
  if (!/\[hash(?::\d+)?\]/.test(pattern)) return false;
  return names.some((name) => {
    let source = '';
    for (const part of pattern.split(/(\[[a-z]+(?::\d+)?\])/)) {
      if (/^\[hash(?::\d+)?\]$/.test(part)) source += '[A-Za-z0-9_-]+';
      else if (part === '[name]') source += escape(name);
      else if (part === '[extname]') source += escape(extension === '' ? '' : `.${extension}`);
      else if (part === '[ext]') source += escape(extension);
      else if (/^\[[a-z]+(?::\d+)?\]$/.test(part)) source += '[^/]*';
      else source += escape(part);
    }
    return new RegExp(`^${source}$`).test(fileName);
  });
}

/** A pattern option for one file: the string, or what the function gives for it (nothing when it throws). */
function patternFor(option: unknown, file: Rollup.OutputChunk | Rollup.OutputAsset): string | undefined {
  if (typeof option === 'string') return option;
  if (typeof option !== 'function') return undefined;
  try {
    const result: unknown = (option as (file: unknown) => unknown)(file);
    return typeof result === 'string' ? result : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The files of a Vite (Rollup or Rolldown) build whose names carry a
 * content hash, known from how they were named rather than guessed: each
 * chunk or asset whose output file-name pattern (`entryFileNames`,
 * `chunkFileNames`, `assetFileNames`) has a `[hash]` and produced its name.
 * HTML pages and files emitted under a fixed name are not hashed.
 */
export function contentHashedFiles(bundle: Rollup.OutputBundle, output: FileNamePatterns): string[] {
  const hashed: string[] = [];
  for (const file of Object.values(bundle)) {
    const base = file.fileName.slice(file.fileName.lastIndexOf('/') + 1);
    const dot = base.lastIndexOf('.');
    const extension = dot > 0 ? base.slice(dot + 1) : '';
    let pattern: string | undefined;
    let names: string[];
    if (file.type === 'chunk') {
      pattern = patternFor(file.isEntry ? output.entryFileNames : output.chunkFileNames, file);
      names = [file.name];
    } else {
      if (/\.html?$/i.test(file.fileName)) continue;
      pattern = patternFor(output.assetFileNames, file);
      const assetNames = (file as { names?: readonly string[] }).names ?? ((file as { name?: string }).name ? [(file as { name?: string }).name!] : []);
      // An asset's `[name]` is its name without the directory and extension.
      names = assetNames.map((name) => {
        const leaf = name.slice(name.lastIndexOf('/') + 1);
        const at = leaf.lastIndexOf('.');
        return at > 0 ? leaf.slice(0, at) : leaf;
      });
    }
    if (pattern !== undefined && madeWithHash(pattern, file.fileName, names, extension)) hashed.push(file.fileName);
  }
  return hashed.sort();
}
