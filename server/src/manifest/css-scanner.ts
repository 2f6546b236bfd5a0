/** The URLs a stylesheet references, in order: `@import`ed sheets, and every other `url()`. */
export interface CssReferences {
  imports: string[];
  urls: string[];
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_\-\u0080-\uffff]/.test(c);

/** Reads a quoted string starting at `start` (the quote); returns its decoded value and the index after it. */
function readString(css: string, start: number): { value: string; end: number } {
  const quote = css[start];
  let value = '';
  let i = start + 1;
  while (i < css.length) {
    const c = css[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c === '\n') return { value, end: i }; // an unterminated string ends at the line
    if (c === '\\') {
      const escaped = readEscape(css, i);
      value += escaped.value;
      i = escaped.end;
      continue;
    }
    value += c;
    i++;
  }
  return { value, end: i };
}

/** A CSS escape at `start` (the backslash): hex code point or a literal character. */
function readEscape(css: string, start: number): { value: string; end: number } {
  const hex = /^[0-9a-fA-F]{1,6}/.exec(css.slice(start + 1, start + 7));
  if (hex) {
    let end = start + 1 + hex[0].length;
    if (isSpace(css[end])) end++;
    const code = parseInt(hex[0], 16);
    return { value: code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd', end };
  }
  if (css[start + 1] === '\n') return { value: '', end: start + 2 }; // line continuation
  return { value: css[start + 1] ?? '', end: start + 2 };
}

/** Reads `url(...)` whose `(` is at `open`; undefined for malformed unquoted values. */
function readUrl(css: string, open: number): { value: string | undefined; end: number } {
  let i = open + 1;
  while (isSpace(css[i])) i++;
  if (css[i] === '"' || css[i] === "'") {
    const string = readString(css, i);
    i = string.end;
    while (isSpace(css[i])) i++;
    if (css[i] === ')') return { value: string.value, end: i + 1 };
    // `url("a" format(...))` and the like: skip to the closing parenthesis.
    const close = css.indexOf(')', i);
    return { value: undefined, end: close < 0 ? css.length : close + 1 };
  }
  let value = '';
  while (i < css.length && css[i] !== ')') {
    const c = css[i]!;
    if (c === '\\') {
      const escaped = readEscape(css, i);
      value += escaped.value;
      i = escaped.end;
      continue;
    }
    if (c === '"' || c === "'" || c === '(') {
      const close = css.indexOf(')', i);
      return { value: undefined, end: close < 0 ? css.length : close + 1 };
    }
    value += c;
    i++;
  }
  const trimmed = value.trim();
  // Whitespace inside an unquoted URL makes it a bad-url token, which loads nothing.
  return { value: /\s/.test(trimmed) ? undefined : trimmed, end: i + 1 };
}

/**
 * Finds `@import` targets and `url()` references in a stylesheet with a small
 * tokenizer: comments and strings that merely contain `url(` are not
 * references. Linear in the input.
 */
export function scanCss(css: string): CssReferences {
  const imports: string[] = [];
  const urls: string[] = [];
  let i = 0;
  while (i < css.length) {
    const c = css[i]!;
    if (c === '/' && css[i + 1] === '*') {
      const close = css.indexOf('*/', i + 2);
      i = close < 0 ? css.length : close + 2;
    } else if (c === '"' || c === "'") {
      i = readString(css, i).end;
    } else if (c === '\\') {
      i += 2;
    } else if (c === '@' && css.slice(i + 1, i + 7).toLowerCase() === 'import' && !isNameChar(css[i + 7])) {
      i += 7;
      while (isSpace(css[i]) || (css[i] === '/' && css[i + 1] === '*')) {
        if (css[i] === '/') {
          const close = css.indexOf('*/', i + 2);
          i = close < 0 ? css.length : close + 2;
        } else i++;
      }
      if (css[i] === '"' || css[i] === "'") {
        const string = readString(css, i);
        imports.push(string.value);
        i = string.end;
      } else if (css.slice(i, i + 4).toLowerCase() === 'url(') {
        const url = readUrl(css, i + 3);
        if (url.value !== undefined) imports.push(url.value);
        i = url.end;
      }
    } else if ((c === 'u' || c === 'U') && css.slice(i, i + 4).toLowerCase() === 'url(' && !isNameChar(css[i - 1])) {
      const url = readUrl(css, i + 3);
      if (url.value) urls.push(url.value);
      i = url.end;
    } else {
      i++;
    }
  }
  return { imports, urls };
}
