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
 *
 * A refused push-stream part's reason goes the same way (it becomes `''`):
 * `reason: 'text'` in an event, the text given to `onVoid`/`voidAsset`, and
 * the texts `partIntegrityProblem` returns (a string still means refused).
 * The worker's sink ignores the reason; the library keeps every text.
 */
export function dropErrorMessages(): Plugin {
  return {
    name: 'cache-digest:drop-error-messages',
    transform(code, id) {
      if (!code.includes('new CacheDigestError(') && !code.includes('new Error(') && !REASON_MARKS.some((mark) => code.includes(mark))) return null;
      let problem: AstNode | undefined;
      const out = cutSource(code, /\.tsx?$/.test(id) ? 'ts' : 'js', (node) => {
        const reason = reasonText(node);
        if (reason) return { start: reason.start, end: reason.end, text: "''" };
        if (node.type === 'FunctionDeclaration' && (node.id as AstNode | null)?.name === 'partIntegrityProblem') problem = node;
        const argument = node.argument as AstNode | null | undefined;
        if (problem && node.type === 'ReturnStatement' && node.start < problem.end && isText(argument)) return { start: argument!.start, end: argument!.end, text: "''" };
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

const REASON_MARKS = ['reason:', 'onVoid(', 'voidAsset(', 'partIntegrityProblem('];

const isText = (node: AstNode | null | undefined): boolean => node?.type === 'Literal' && typeof node.value === 'string' && node.value !== '';

/** The reason literal of `reason: 'text'`, `x.onVoid(url, 'text')` or `voidAsset(part, 'text')`. */
function reasonText(node: AstNode): AstNode | undefined {
  if (node.type === 'Property' && (node.key as AstNode).type === 'Identifier' && (node.key as AstNode).name === 'reason') {
    return isText(node.value as AstNode) ? (node.value as AstNode) : undefined;
  }
  if (node.type !== 'CallExpression') return undefined;
  const callee = node.callee as AstNode;
  const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' && !callee.computed ? (callee.property as AstNode).name : undefined;
  const text = (node.arguments as AstNode[])[1];
  return (name === 'onVoid' || name === 'voidAsset') && isText(text) ? text : undefined;
}

/** A string literal, or a template whose parts are plain names: dropping it drops no side effect. */
function isConstantText(node: AstNode): boolean {
  if (node.type === 'Literal') return typeof node.value === 'string';
  return node.type === 'TemplateLiteral' && (node.expressions as AstNode[]).every((part) => part.type === 'Identifier');
}
