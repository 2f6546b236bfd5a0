import { isSameOriginPath } from '@cache-digest/shared';
import { scanHtml } from '../manifest/html-scanner.ts';
import { pageReferences } from '../manifest/page-references.ts';
import type { AssetDestination } from '../manifest/types.ts';

/** An asset the head of a page loads, as a path on the page's own origin. */
export interface HeadReference {
  url: string;
  as: AssetDestination;
  module: boolean;
  crossorigin: boolean;
}

// Stand-in origin: a reference that resolves anywhere else is another origin's, never delivered.
const PROBE_ORIGIN = 'https://discovery.invalid';

/**
 * The assets the start of an HTML document loads (stylesheets, scripts and
 * module scripts, modulepreloads and preloads, icons, images), in document
 * order, resolved against the page path and any `<base href>`; other
 * origins, `data:` URLs and duplicates are dropped; at most `max`. `html`
 * may be cut anywhere: a tag cut in the middle is ignored.
 */
export function headReferences(html: string, pagePath: string, max = 64): HeadReference[] {
  const lastTagEnd = html.lastIndexOf('>');
  const { base, references } = pageReferences(scanHtml(lastTagEnd === -1 ? '' : html.slice(0, lastTagEnd + 1)));
  let baseUrl: URL;
  try {
    const page = new URL(pagePath, PROBE_ORIGIN);
    baseUrl = base ? new URL(base, page) : page;
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const out: HeadReference[] = [];
  for (const reference of references) {
    if (reference.kind !== 'asset' || out.length >= max) continue;
    let url: URL;
    try {
      url = new URL(reference.url, baseUrl);
    } catch {
      continue;
    }
    if (url.origin !== PROBE_ORIGIN) continue;
    const path = url.pathname + url.search;
    if (seen.has(path) || !isSameOriginPath(path)) continue;
    seen.add(path);
    out.push({ url: path, as: reference.as, module: reference.module, crossorigin: reference.crossorigin });
  }
  return out;
}
