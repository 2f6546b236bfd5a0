import { escapeHtml, moduleTrail } from './escape-html.ts';

moduleTrail.push('format');

/** 1234567 -> "1.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`;
  return `${(bytes / 1_000_000).toFixed(2)} MB`;
}

/** 123.456 -> "123 ms". */
export function formatMs(ms: number): string {
  return `${Math.round(ms)} ms`;
}

/** A table cell with escaped text. */
export function cell(text: string | number, className = ''): string {
  return `<td${className ? ` class="${className}"` : ''}>${escapeHtml(String(text))}</td>`;
}

/** The path of a same-origin URL, for display. */
export function shortUrl(url: string): string {
  const parsed = new URL(url, location.href);
  return parsed.origin === location.origin ? parsed.pathname + parsed.search : url;
}

export { escapeHtml, moduleTrail };
