type TokenKind = 'name' | 'string' | 'punct' | 'other';

interface Token {
  kind: TokenKind;
  value: string;
}

// After these words a `/` starts a regular expression, not a division.
const REGEX_AFTER_WORD = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await',
]);
const NAME_START = /[A-Za-z_$\u0080-\uffff]/;
const NAME_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
// Tokens a static import or re-export clause may contain before `from`.
const CLAUSE_PUNCT = new Set(['{', '}', ',', '*']);
const MAX_CLAUSE_TOKENS = 10_000;

/** Decodes the escapes of a JS string literal body (enough for module specifiers). */
function unescapeJs(body: string): string {
  return body.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g, (_, escape: string) => {
    if (escape.startsWith('u{')) return String.fromCodePoint(Math.min(parseInt(escape.slice(2, -1), 16), 0x10ffff));
    if (escape.length > 1 && (escape[0] === 'u' || escape[0] === 'x')) return String.fromCharCode(parseInt(escape.slice(1), 16));
    if (escape === '\n' || escape === '\r\n' || escape === '\r') return '';
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' } as Record<string, string>)[escape] ?? escape;
  });
}

/**
 * Splits JavaScript into the tokens that matter for finding imports: names,
 * string literals and punctuators. Comments, template literals (with nested
 * `${}`), regular expressions and numbers are consumed so that text inside
 * them is never mistaken for code. Linear in the input.
 */
export function tokenizeJs(source: string): Token[] {
  const tokens: Token[] = [];
  const templateDepths: number[] = []; // brace depth at which each open `${` returns to its template
  let braceDepth = 0;
  let i = 0;
  const length = source.length;
  const previous = (): Token | undefined => tokens[tokens.length - 1];
  const regexAllowed = (): boolean => {
    const last = previous();
    if (!last) return true;
    if (last.kind === 'punct') return last.value !== ')' && last.value !== ']';
    if (last.kind === 'name') return REGEX_AFTER_WORD.has(last.value);
    return false;
  };
  // Scans template characters from `i` to the closing backtick or a `${`.
  const scanTemplate = (): void => {
    while (i < length) {
      const c = source[i]!;
      if (c === '\\') {
        i += 2;
      } else if (c === '`') {
        i++;
        tokens.push({ kind: 'other', value: '`' });
        return;
      } else if (c === '$' && source[i + 1] === '{') {
        i += 2;
        templateDepths.push(braceDepth);
        braceDepth++;
        tokens.push({ kind: 'punct', value: '${' });
        return;
      } else {
        i++;
      }
    }
  };

  while (i < length) {
    const c = source[i]!;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close < 0 ? length : close + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      tokens.push({ kind: 'string', value: unescapeJs(source.slice(i + 1, Math.min(j, length))) });
      i = j + 1;
    } else if (c === '`') {
      i++;
      scanTemplate();
    } else if (c === '}' && templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === braceDepth - 1) {
      templateDepths.pop();
      braceDepth--;
      i++;
      scanTemplate();
    } else if (c === '/' && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (j < length && source[j] !== '\n') {
        const r = source[j]!;
        if (r === '\\') j++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        j++;
      }
      j++;
      while (j < length && NAME_PART.test(source[j]!)) j++; // flags
      tokens.push({ kind: 'other', value: 'regex' });
      i = j;
    } else if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < length && NAME_PART.test(source[j]!)) j++;
      tokens.push({ kind: 'name', value: source.slice(i, j) });
      i = j;
    } else if (c >= '0' && c <= '9') {
      let j = i + 1;
      while (j < length && /[0-9A-Za-z_.]/.test(source[j]!)) j++;
      tokens.push({ kind: 'other', value: 'number' });
      i = j;
    } else {
      if (c === '{') braceDepth++;
      else if (c === '}') braceDepth = Math.max(0, braceDepth - 1);
      // `?.` is one punctuator; `.` alone matters for `import.meta` and `x.import`.
      const value = c === '?' && source[i + 1] === '.' && !/[0-9]/.test(source[i + 2] ?? '') ? '?.' : c;
      tokens.push({ kind: 'punct', value });
      i += value.length;
    }
  }
  return tokens;
}

/** The specifier of a clause (`x, { y as z } from "s"`) starting at `start`, if it is one. */
function clauseSpecifier(tokens: Token[], start: number): string | undefined {
  const limit = Math.min(tokens.length - 1, start + MAX_CLAUSE_TOKENS);
  for (let j = start; j < limit; j++) {
    const token = tokens[j]!;
    if (token.kind === 'name') {
      if (token.value === 'from' && tokens[j + 1]?.kind === 'string') return tokens[j + 1]!.value;
      if (token.value === 'import' || token.value === 'export') return undefined;
    } else if (token.kind === 'punct') {
      if (!CLAUSE_PUNCT.has(token.value)) return undefined;
    } else if (token.kind !== 'string') {
      return undefined; // string names are allowed: `import { "a-b" as c }`
    }
  }
  return undefined;
}

/**
 * The specifiers of a module's static imports and re-exports, in source order
 * and without duplicates: `import x from 's'`, `import 's'`, `import * as n from
 * 's'`, `export * from 's'`, `export { a } from 's'`. Dynamic `import()` and
 * `import.meta` are not imports; comments, strings, templates and regular
 * expressions are never read as code.
 */
export function scanModuleImports(source: string): string[] {
  const tokens = tokenizeJs(source);
  const specifiers: string[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    if (token.kind !== 'name' || (token.value !== 'import' && token.value !== 'export')) continue;
    const before = tokens[k - 1];
    if (before?.kind === 'punct' && (before.value === '.' || before.value === '?.')) continue; // `x.import`
    const next = tokens[k + 1];
    if (!next) continue;
    let specifier: string | undefined;
    if (token.value === 'import') {
      if (next.kind === 'punct' && (next.value === '(' || next.value === '.')) continue; // import() / import.meta
      specifier = next.kind === 'string' ? next.value : clauseSpecifier(tokens, k + 1);
    } else if (next.kind === 'punct' && (next.value === '*' || next.value === '{')) {
      specifier = clauseSpecifier(tokens, k + 1);
    }
    if (specifier !== undefined && !specifiers.includes(specifier)) specifiers.push(specifier);
  }
  return specifiers;
}
