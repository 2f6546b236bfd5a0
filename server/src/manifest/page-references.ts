import type { HtmlElement } from './html-scanner.ts';
import type { AssetDestination } from './types.ts';

/** Something a page loads, in document order, with its URL as written. */
export type PageReference =
  | { kind: 'asset'; url: string; as: AssetDestination; module: boolean; crossorigin: boolean; scan: boolean }
  | { kind: 'inline-style'; text: string }
  | { kind: 'inline-module'; text: string };

const PRELOAD_DESTINATIONS = new Set<AssetDestination>(['style', 'script', 'font', 'image', 'fetch']);
const CLASSIC_SCRIPT_TYPES = new Set(['', 'text/javascript', 'application/javascript', 'text/ecmascript', 'application/ecmascript']);

/** Parses a `srcset` into its candidates (URL and descriptor). */
export function parseSrcset(srcset: string): { url: string; descriptor: string }[] {
  const candidates: { url: string; descriptor: string }[] = [];
  for (const match of srcset.matchAll(/\s*([^\s,][^\s]*?)(?:,|\s+([^,]*?)\s*(?:,|$)|$)/g)) {
    if (!match[1]) continue;
    // A URL may itself end in a comma only if a descriptor follows; trailing commas separate candidates.
    candidates.push({ url: match[1].replace(/,+$/, ''), descriptor: (match[2] ?? '').trim() });
  }
  return candidates;
}

/**
 * Turns a page's start tags into what it loads: stylesheets (not alternate
 * or disabled ones), preloads, module preloads, icons, classic and module
 * scripts (not `nomodule` fallbacks nor data blocks), images (the `src`, or
 * the 1x `srcset` candidate when there is no `src`), and inline `<style>` and
 * module `<script>` text. Also returns the `<base href>`, if any.
 */
export function pageReferences(elements: readonly HtmlElement[]): { base: string | undefined; references: PageReference[] } {
  let base: string | undefined;
  const references: PageReference[] = [];
  const asset = (url: string | undefined, as: AssetDestination, options: { module?: boolean; crossorigin?: boolean; scan?: boolean } = {}) => {
    if (url === undefined || url.trim() === '') return;
    references.push({
      kind: 'asset',
      url: url.trim(),
      as,
      module: options.module ?? false,
      crossorigin: options.crossorigin ?? false,
      scan: options.scan ?? true,
    });
  };
  for (const { name, attributes, text } of elements) {
    const crossorigin = attributes.has('crossorigin');
    if (name === 'base') {
      if (base === undefined && attributes.has('href')) base = attributes.get('href');
    } else if (name === 'link') {
      const rel = new Set((attributes.get('rel') ?? '').toLowerCase().split(/\s+/).filter(Boolean));
      const href = attributes.get('href');
      if (rel.has('stylesheet') && !rel.has('alternate') && !attributes.has('disabled')) {
        asset(href, 'style', { crossorigin });
      } else if (rel.has('modulepreload')) {
        asset(href, 'script', { module: true, crossorigin: true });
      } else if (rel.has('preload')) {
        const as = (attributes.get('as') ?? '').toLowerCase() as AssetDestination;
        // A preloaded sheet is scanned too: it is usually linked as a stylesheet right after.
        if (PRELOAD_DESTINATIONS.has(as)) asset(href, as, { crossorigin: crossorigin || as === 'font' });
      } else if (rel.has('icon')) {
        asset(href, 'image');
      }
    } else if (name === 'script') {
      const type = (attributes.get('type') ?? '').trim().toLowerCase();
      const src = attributes.get('src');
      if (type === 'module') {
        if (src !== undefined) asset(src, 'script', { module: true, crossorigin: true });
        else if (text) references.push({ kind: 'inline-module', text });
      } else if (CLASSIC_SCRIPT_TYPES.has(type) && !attributes.has('nomodule')) {
        asset(src, 'script', { crossorigin, scan: false });
      }
    } else if (name === 'style') {
      if (text) references.push({ kind: 'inline-style', text });
    } else if (name === 'img') {
      const src = attributes.get('src');
      if (src !== undefined && src.trim() !== '') {
        asset(src, 'image', { crossorigin });
      } else if (attributes.has('srcset')) {
        const candidates = parseSrcset(attributes.get('srcset')!);
        const chosen = candidates.find((c) => c.descriptor === '' || c.descriptor === '1x') ?? candidates[0];
        asset(chosen?.url, 'image', { crossorigin });
      }
    }
  }
  return { base, references };
}
