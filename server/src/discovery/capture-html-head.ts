import type { NodeResponse } from '../adapters/node-types.ts';

type Callback = (error?: Error | null) => void;

/**
 * Watches a Node response as the application writes it and, once it has
 * finished completely, calls `onComplete` with the first `maxBytes` of its
 * body (decoded as UTF-8) — only for a 200 `text/html` response without a
 * content coding. A response that fails, is cut or is anything else reports
 * nothing. The bytes written pass through untouched.
 */
export function captureHtmlHead(res: NodeResponse, maxBytes: number, onComplete: (html: string) => void): void {
  const write = res.write as (...args: unknown[]) => boolean;
  const end = res.end as (...args: unknown[]) => NodeResponse;
  const chunks: Buffer[] = [];
  let captured = 0;
  let capturing: boolean | undefined;

  const take = (chunk: unknown, encoding: unknown): void => {
    if (capturing === undefined) {
      const type = String(res.getHeader('content-type') ?? '');
      const coding = String(res.getHeader('content-encoding') ?? 'identity').toLowerCase();
      capturing = res.statusCode === 200 && /^\s*text\/html\b/i.test(type) && coding === 'identity';
    }
    if (!capturing || captured >= maxBytes || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          : undefined;
    if (!bytes) return;
    const part = bytes.subarray(0, maxBytes - captured);
    chunks.push(Buffer.from(part));
    captured += part.length;
  };

  (res as { write: unknown }).write = function (this: NodeResponse, chunk: unknown, encoding?: unknown, callback?: Callback) {
    take(chunk, encoding);
    return write.call(this, chunk, encoding, callback);
  };
  (res as { end: unknown }).end = function (this: NodeResponse, chunk?: unknown, encoding?: unknown, callback?: Callback) {
    take(chunk, encoding);
    return end.call(this, chunk, encoding, callback);
  };
  res.once('finish', () => {
    if (capturing && captured > 0) onComplete(Buffer.concat(chunks, captured).toString('utf8'));
  });
}
