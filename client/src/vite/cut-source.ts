import { parseAst } from 'vite';

/** An ESTree node as Vite's `parseAst` returns it. */
export interface AstNode {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** A replacement of `code.slice(start, end)` by `text`. */
export interface SourceEdit {
  start: number;
  end: number;
  text: string;
}

const isNode = (value: unknown): value is AstNode => typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';

/**
 * Parses `code`, calls `edit` on every node from the root down (a node it
 * returns an edit for is not descended into) and applies the edits; null
 * when there are none. The worker bundle's size plugins share it.
 */
export function cutSource(code: string, lang: 'js' | 'ts', edit: (node: AstNode) => SourceEdit | undefined): string | null {
  const edits: SourceEdit[] = [];
  const visit = (node: AstNode): void => {
    const found = edit(node);
    if (found) {
      edits.push(found);
      return;
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) for (const child of value) isNode(child) && visit(child);
      else if (isNode(value)) visit(value);
    }
  };
  visit(parseAst(code, { lang }) as unknown as AstNode);
  if (edits.length === 0) return null;
  let out = code;
  for (const { start, end, text } of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, start) + text + out.slice(end);
  return out;
}
