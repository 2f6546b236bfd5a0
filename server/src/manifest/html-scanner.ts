import { decodeHTMLAttribute } from 'entities';
import { Parser } from 'htmlparser2';

/** A start tag with its attributes (names lower-case, values entity-decoded), and the text of raw-text elements. */
export interface HtmlElement {
  name: string;
  attributes: Map<string, string>;
  /** Content of `<script>` and `<style>`. */
  text?: string;
}

// Nothing inside these loads: with scripting on, a browser reads noscript (and
// the others) as text, and template content is inert.
const SKIPPED = new Set(['template', 'noscript', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes']);
const KEEP_TEXT = new Set(['script', 'style']);

/** Decodes the character references an attribute value may hold (`&amp;`, `&#47;`, `&sol;`…), as in an attribute. */
export function decodeEntities(value: string): string {
  return value.includes('&') ? decodeHTMLAttribute(value) : value;
}

/**
 * Lists the start tags of an HTML document in order, with htmlparser2's
 * tokenizer (every HTML named character reference decoded): comments,
 * doctype, end tags and the content of script and style are not tags, and
 * tags inside template, noscript, textarea and the like are skipped, since
 * nothing in them loads. Linear in the input.
 */
export function scanHtml(html: string): HtmlElement[] {
  const elements: HtmlElement[] = [];
  let skipped = 0; // depth inside SKIPPED elements
  let textOf: HtmlElement | undefined;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (SKIPPED.has(name)) {
          skipped++;
          return;
        }
        if (skipped > 0) return;
        const element: HtmlElement = { name, attributes: new Map(Object.entries(attributes)) };
        if (KEEP_TEXT.has(name)) {
          element.text = '';
          textOf = element;
        }
        elements.push(element);
      },
      ontext(text) {
        if (textOf) textOf.text += text;
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) skipped = Math.max(0, skipped - 1);
        if (textOf?.name === name) textOf = undefined;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: false },
  );
  parser.end(html);
  return elements;
}
