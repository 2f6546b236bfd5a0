import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findSubresources } from './find-subresources.ts';

const TYPES: Record<string, string> = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript' };

/**
 * The same-origin subresources of a built page, found the way a browser finds
 * them (HTML, then CSS and module imports, transitively), read from disk:
 * what a first visit must load. Bounded by the files that exist.
 */
export async function pageAssetPaths(siteDir: string, pagePath: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [pagePath];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const type = TYPES[path.extname(current)];
    if (!type) continue;
    const text = await readFile(path.join(siteDir, ...current.split('/')), 'utf8').catch(() => '');
    for (const url of findSubresources(type, text)) {
      const resolved = new URL(url, `https://site.invalid${current}`);
      if (resolved.origin !== 'https://site.invalid' || seen.has(resolved.pathname)) continue;
      seen.add(resolved.pathname);
      queue.push(resolved.pathname);
    }
  }
  return [...seen].sort();
}
