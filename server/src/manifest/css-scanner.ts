import valueParser, { type Node } from 'postcss-value-parser';

/** The URLs a stylesheet references, in order: `@import`ed sheets, and every other `url()` and `image-set()` image. */
export interface CssReferences {
  imports: string[];
  urls: string[];
}

const IMAGE_SET = new Set(['image-set', '-webkit-image-set']);

/** Decodes CSS escapes: hex code points (one following space eaten), escaped characters, line continuations. */
function unescapeCss(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(\r\n|[\s\S]))/g, (_, hex: string | undefined, char: string | undefined) => {
    if (hex !== undefined) {
      const code = parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return char === '\n' || char === '\r\n' || char === '\r' || char === '\f' ? '' : char!;
  });
}

/** The URL of a `url()` function node; undefined for a malformed one (a bad-url token loads nothing). */
function urlOf(node: valueParser.FunctionNode): string | undefined {
  const inner = node.nodes.filter((child) => child.type !== 'space');
  if (inner.length !== 1) return undefined;
  const only = inner[0]!;
  if (only.type === 'string') return unescapeCss(only.value);
  if (only.type !== 'word') return undefined;
  const value = only.value.trim();
  // Whitespace, quotes or a parenthesis inside an unquoted URL make it a bad-url token.
  return /[\s"'(]/.test(value) ? undefined : unescapeCss(value);
}

/**
 * Finds `@import` targets, `url()` references and the images of
 * `image-set()` in a stylesheet, with postcss-value-parser's tokenizer:
 * comments and strings that merely contain `url(` are not references.
 */
export function scanCss(css: string): CssReferences {
  const imports: string[] = [];
  const urls: string[] = [];
  const nodes = valueParser(css).nodes;
  const visit = (list: Node[], inImageSet: boolean): void => {
    for (let index = 0; index < list.length; index++) {
      const node = list[index]!;
      if (node.type === 'word' && node.value.toLowerCase() === '@import') {
        let next = index + 1;
        while (list[next]?.type === 'space' || list[next]?.type === 'comment') next++;
        const target = list[next];
        if (target?.type === 'string') imports.push(unescapeCss(target.value));
        else if (target?.type === 'function' && target.value.toLowerCase() === 'url') {
          const url = urlOf(target);
          if (url !== undefined) imports.push(url);
        } else continue;
        index = next;
      } else if (node.type === 'function') {
        const name = node.value.toLowerCase();
        if (name === 'url') {
          const url = urlOf(node);
          if (url) urls.push(url);
        } else visit(node.nodes, IMAGE_SET.has(name));
      } else if (node.type === 'string' && inImageSet) {
        // image-set("a.png" 1x): a bare string is an image URL there.
        urls.push(unescapeCss(node.value));
      }
    }
  };
  visit(nodes, false);
  return { imports, urls };
}
