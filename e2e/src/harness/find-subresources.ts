/**
 * The same-origin-or-not subresource URLs a browser would load from a
 * response, as written in it (relative URLs unresolved): for HTML the
 * stylesheets, module preloads, icons, scripts and images; for CSS @import
 * and url(); for JavaScript static imports. data: URLs are left out.
 */
export function findSubresources(contentType: string, text: string): string[] {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const found: string[] = [];
  if (type === 'text/html') {
    for (const tag of text.match(/<(link|script|img)\b[^>]*>/gi) ?? []) {
      const name = tag.slice(1, tag.search(/[\s>]/)).toLowerCase();
      const attribute = (attr: string): string | undefined =>
        new RegExp(`\\s${attr}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag)?.slice(2).find((v) => v !== undefined);
      if (name === 'link') {
        const rel = (attribute('rel') ?? '').toLowerCase().split(/\s+/);
        if (rel.some((r) => ['stylesheet', 'modulepreload', 'icon', 'preload'].includes(r))) push(found, attribute('href'));
      } else {
        push(found, attribute('src'));
      }
    }
  } else if (type === 'text/css') {
    const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, '');
    for (const match of withoutComments.matchAll(/@import\s+(?:url\(\s*)?["']?([^"')\s;]+)/g)) push(found, match[1]);
    for (const match of withoutComments.matchAll(/url\(\s*["']?([^"')]+?)["']?\s*\)/g)) push(found, match[1]);
  } else if (type === 'text/javascript' || type === 'application/javascript') {
    // `import "x"`, `import … from "x"`, `export … from "x"`; not dynamic import("x").
    for (const match of text.matchAll(/\b(?:import|from)\s*["']([^"']+)["']/g)) push(found, match[1]);
  }
  return [...new Set(found)];
}

function push(found: string[], url: string | undefined): void {
  if (url && !url.startsWith('data:') && !url.startsWith('#')) found.push(url);
}
