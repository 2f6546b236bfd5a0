import type { Plugin } from 'vite';
import { cutSource, type AstNode } from './cut-source.ts';

/**
 * A build plugin for the Service Worker bundle: each
 * `new CacheDigestError('CODE', message)` keeps its code and loses its message
 * argument (the message then defaults to the code). Callers branch on the
 * code only (see `CacheDigestError`), a worker shows no message to anyone, and the English texts were about 4% of
 * the gzipped worker. The codecs keep their full messages everywhere else.
 * A plain `new Error('text')` (or a template of plain names) loses its text
 * the same way: the worker's own errors only end a stream or a promise,
 * nothing reads their message.
 */
export function dropErrorMessages(): Plugin {
  return {
    name: 'cache-digest:drop-error-messages',
    transform(code, id) {
      if (!code.includes('new CacheDigestError(') && !code.includes('new Error(')) return null;
      const out = cutSource(code, /\.tsx?$/.test(id) ? 'ts' : 'js', (node) => {
        if (node.type !== 'NewExpression') return undefined;
        const args = node.arguments as AstNode[];
        const callee = node.callee as AstNode;
        if (callee.type !== 'Identifier') return undefined;
        if (callee.name === 'CacheDigestError' && args.length === 2) {
          const [codeArg, messageArg] = args as [AstNode, AstNode];
          // The constructor's message defaults to the code.
          if (codeArg.type === 'Literal' && typeof codeArg.value === 'string') return { start: codeArg.end, end: messageArg.end, text: '' };
        }
        if (callee.name === 'Error' && args.length === 1 && isConstantText(args[0]!)) return { start: args[0]!.start, end: args[0]!.end, text: '' };
        return undefined;
      });
      return out === null ? null : { code: out, map: null };
    },
  };
}

/** A string literal, or a template whose parts are plain names: dropping it drops no side effect. */
function isConstantText(node: AstNode): boolean {
  if (node.type === 'Literal') return typeof node.value === 'string';
  return node.type === 'TemplateLiteral' && (node.expressions as AstNode[]).every((part) => part.type === 'Identifier');
}
