import type { Plugin } from 'vite';
import { cutSource, type AstNode } from './cut-source.ts';

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
      const out = cutSource(code, 'js', (node) =>
        node.type === 'PropertyDefinition' && node.value === null && !node.static && !node.computed && (node.key as AstNode).type === 'Identifier'
          ? { start: node.start, end: node.end, text: '' }
          : undefined,
      );
      return out === null ? null : { code: out, map: null };
    },
  };
}
