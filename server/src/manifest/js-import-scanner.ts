import { ImportType, initSync, parse } from 'es-module-lexer';

let ready = false;

/**
 * The specifiers of a module's static imports and re-exports, in source order
 * and without duplicates: `import x from 's'`, `import 's'`, `import * as n from
 * 's'`, `export * from 's'`, `export { a } from 's'`. Dynamic `import()` and
 * `import.meta` are not imports. Read with es-module-lexer (the lexer Vite
 * uses), so comments, strings, templates and regular expressions are never
 * read as code and escapes in specifiers are decoded. A module that does not
 * parse yields none: a browser would not run it either.
 */
export function scanModuleImports(source: string): string[] {
  if (!ready) {
    initSync();
    ready = true;
  }
  let imports: ReturnType<typeof parse>[0];
  try {
    [imports] = parse(source);
  } catch {
    return [];
  }
  const specifiers = new Set<string>();
  for (const entry of imports) {
    if (entry.t === ImportType.Static && entry.n !== undefined) specifiers.add(entry.n);
  }
  return [...specifiers];
}
