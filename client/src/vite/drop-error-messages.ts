import { parseAst, type Plugin } from 'vite';

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

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
      const edits: { start: number; end: number; text: string }[] = [];
      const visit = (node: Node): void => {
        const args = node.arguments as Node[] | undefined;
        const callee = node.callee as Node | undefined;
        if (node.type === 'NewExpression' && callee?.type === 'Identifier' && callee.name === 'CacheDigestError' && args?.length === 2) {
          const [codeArg, messageArg] = args as [Node, Node];
          if (codeArg.type === 'Literal' && typeof codeArg.value === 'string') {
            // The constructor's message defaults to the code.
            edits.push({ start: codeArg.end, end: messageArg.end, text: '' });
            return;
          }
        }
        if (node.type === 'NewExpression' && callee?.type === 'Identifier' && callee.name === 'Error' && args?.length === 1 && isConstantText(args[0]!)) {
          edits.push({ start: args[0]!.start, end: args[0]!.end, text: '' });
          return;
        }
        for (const value of Object.values(node)) {
          if (Array.isArray(value)) for (const child of value) isNode(child) && visit(child);
          else if (isNode(value)) visit(value);
        }
      };
      visit(parseAst(code, { lang: /\.tsx?$/.test(id) ? 'ts' : 'js' }) as unknown as Node);
      if (edits.length === 0) return null;
      let out = code;
      for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
      return { code: out, map: null };
    },
  };
}

/** A string literal, or a template whose parts are plain names: dropping it drops no side effect. */
function isConstantText(node: Node): boolean {
  if (node.type === 'Literal') return typeof node.value === 'string';
  return node.type === 'TemplateLiteral' && (node.expressions as Node[]).every((part) => part.type === 'Identifier');
}
