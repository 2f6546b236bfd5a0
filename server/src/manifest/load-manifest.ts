import { readFile, stat } from 'node:fs/promises';
import { ManifestError } from './manifest-error.ts';
import type { PushManifest } from './types.ts';
import { validateManifest } from './validate-manifest.ts';

/** Largest manifest file read (bytes). */
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;

/**
 * Reads and validates a push manifest JSON file. Throws {@link ManifestError}:
 * `READ_FAILED`, `TOO_LARGE`, `BAD_JSON`, or `INVALID` (for instance a
 * cross-origin or non-absolute-path URL), with the offending place named.
 */
export async function loadManifest(path: string): Promise<PushManifest> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ManifestError('READ_FAILED', `push manifest ${path} is not a file`);
    if (info.size > MAX_MANIFEST_BYTES) {
      throw new ManifestError('TOO_LARGE', `push manifest ${path} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError('READ_FAILED', `cannot read push manifest ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ManifestError('BAD_JSON', `push manifest ${path} is not JSON: ${(error as Error).message}`);
  }
  return validateManifest(value);
}
