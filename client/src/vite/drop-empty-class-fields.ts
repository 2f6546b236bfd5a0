import { parseAst, type Plugin } from 'vite';

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

/**
 * A build plugin for the Service Worker bundle: removes class field
 * declarations without an initializer (`options;`, `timer;`), which the
 * TypeScript output keeps for every constructor parameter property and
 * optional field. Each such field is assigned before it is read or read as
 * `undefined` either way, and nothing enumerates the worker's instances, so
 * only the bytes change (about 1% of the gzipped worker). Static, computed
 * and private (`#x`) fields are kept.
 */
export function dropEmptyClassFields(): Plugin {
  return {
    name: 'cache-digest:drop-empty-class-fields',
    renderChunk(code) {
      const cuts: { start: number; end: number }[] = [];
      const visit = (node: Node): void => {
        if (
          node.type === 'PropertyDefinition' &&
          node.value === null &&
          !node.static &&
          !node.computed &&
          (node.key as Node).type === 'Identifier'
        ) {
          cuts.push({ start: node.start, end: node.end });
          return;
        }
        for (const value of Object.values(node)) {
          if (Array.isArray(value)) for (const child of value) isNode(child) && visit(child);
          else if (isNode(value)) visit(value);
        }
      };
      visit(parseAst(code) as unknown as Node);
      if (cuts.length === 0) return null;
      let out = code;
      for (const cut of cuts.sort((a, b) => b.start - a.start)) out = out.slice(0, cut.start) + out.slice(cut.end);
      return { code: out, map: null };
    },
  };
}
