import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * The `contentEtag()` of a file too large to hold in memory, hashed as a
 * stream with node:crypto. Same format: `"` + base64url(SHA-256)[0..22] + `"`.
 * `start`/`end` bound the bytes read (inclusive end), so that the hash covers
 * exactly the `size` bytes a caller has fstat'ed.
 */
export async function streamContentEtag(filePath: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  if (size > 0) {
    for await (const chunk of createReadStream(filePath, { start: 0, end: size - 1 })) {
      hash.update(chunk as Buffer);
    }
  }
  return `"${hash.digest('base64url').slice(0, 22)}"`;
}
