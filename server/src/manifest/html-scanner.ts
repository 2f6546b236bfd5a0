/** A start tag with its attributes (names lower-case, values entity-decoded), and the text of raw-text elements. */
export interface HtmlElement {
  name: string;
  attributes: Map<string, string>;
  /** Content of `<script>` and `<style>`. */
  text?: string;
}

// Elements whose content is text, not markup: tags inside them are not tags.
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']);
const KEEP_TEXT = new Set(['script', 'style']);
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the character references an attribute value may hold (`&amp;`, `&#47;`, `&#x2F;`). */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});?/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
const isLetter = (c: string | undefined): boolean => c !== undefined && /[A-Za-z]/.test(c);

/**
 * Lists the start tags of an HTML document in order, the way a browser's
 * tokenizer sees them: comments, doctype, end tags and the content of raw-text
 * elements (script, style, textarea, noscript…) are not tags; `<template>`
 * content is skipped, since nothing in it loads. Linear in the input.
 */
export function scanHtml(html: string): HtmlElement[] {
  const elements: HtmlElement[] = [];
  const length = html.length;
  let i = 0;
  while (i < length) {
    const open = html.indexOf('<', i);
    if (open < 0) break;
    i = open + 1;
    if (html.startsWith('!--', i)) {
      const close = html.indexOf('-->', i + 3);
      i = close < 0 ? length : close + 3;
      continue;
    }
    const next = html[i];
    if (next === '!' || next === '?' || next === '/') {
      const close = html.indexOf('>', i);
      i = close < 0 ? length : close + 1;
      continue;
    }
    if (!isLetter(next)) continue;
    let nameEnd = i;
    while (nameEnd < length && !isSpace(html[nameEnd]) && html[nameEnd] !== '/' && html[nameEnd] !== '>') nameEnd++;
    const name = html.slice(i, nameEnd).toLowerCase();
    const attributes = new Map<string, string>();
    i = nameEnd;
    // Attributes, until `>`.
    while (i < length) {
      while (i < length && (isSpace(html[i]) || html[i] === '/')) i++;
      if (i >= length || html[i] === '>') break;
      let attrEnd = i + 1; // a leading `=` belongs to the name
      while (attrEnd < length && !isSpace(html[attrEnd]) && !'/>='.includes(html[attrEnd]!)) attrEnd++;
      const attrName = html.slice(i, attrEnd).toLowerCase();
      i = attrEnd;
      while (i < length && isSpace(html[i])) i++;
      let value = '';
      if (html[i] === '=') {
        i++;
        while (i < length && isSpace(html[i])) i++;
        const quote = html[i];
        if (quote === '"' || quote === "'") {
          const close = html.indexOf(quote, i + 1);
          const end = close < 0 ? length : close;
          value = html.slice(i + 1, end);
          i = end + 1;
        } else {
          const start = i;
          while (i < length && !isSpace(html[i]) && html[i] !== '>') i++;
          value = html.slice(start, i);
        }
      }
      // The first occurrence of an attribute wins, as in browsers.
      if (!attributes.has(attrName)) attributes.set(attrName, decodeEntities(value));
    }
    i++; // past `>`
    const element: HtmlElement = { name, attributes };
    elements.push(element);
    if (RAW_TEXT.has(name) || name === 'template') {
      const end = findEndTag(html, name, i);
      if (KEEP_TEXT.has(name)) element.text = html.slice(i, end);
      const close = html.indexOf('>', end);
      i = close < 0 ? length : close + 1;
    }
  }
  return elements;
}

/** Index of `</name` (case-insensitive, followed by space, `/` or `>`) at or after `from`; the input length if none. */
function findEndTag(html: string, name: string, from: number): number {
  // `name` comes from a fixed set of element names: safe inside a pattern.
  const pattern = new RegExp(`</${name}(?=[\\s/>]|$)`, 'gi');
  pattern.lastIndex = from;
  const match = pattern.exec(html);
  return match ? match.index : html.length;
}
