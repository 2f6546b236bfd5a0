import type { OutgoingHttpHeaders } from 'node:http';
import type { NodeResponse } from './node-types.ts';

type WriteHead = (status: number, ...rest: unknown[]) => NodeResponse;

/**
 * Runs `hook(status)` once, just before the response's head is written,
 * whichever way the application gets there (writeHead, or an implicit head
 * from write/end/flushHeaders, which call writeHead in node:http and
 * node:http2 alike). Headers passed to writeHead are first moved into
 * setHeader, so the hook sees and amends the final set.
 */
export function beforeHead(res: NodeResponse, hook: (status: number) => void): void {
  const original = res.writeHead as unknown as WriteHead;
  let ran = false;
  const patched = function (this: NodeResponse, status: number, ...rest: unknown[]): NodeResponse {
    if (ran || res.headersSent) return original.call(this, status, ...rest);
    ran = true;
    const reason = typeof rest[0] === 'string' ? rest[0] : undefined;
    const headers = (reason === undefined ? rest[0] : rest[1]) as OutgoingHttpHeaders | unknown[] | undefined;
    if (Array.isArray(headers)) {
      // Raw form: [name, value, name, value] or [[name, value], ...].
      const flat = Array.isArray(headers[0]) ? (headers as unknown[][]).flat() : headers;
      for (let i = 0; i + 1 < flat.length; i += 2) res.setHeader(String(flat[i]), flat[i + 1] as string);
    } else if (headers && typeof headers === 'object') {
      for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value as string);
    }
    try {
      hook(status);
    } catch {
      // The hook only adds headers; a failure there must not break the page.
    }
    return reason === undefined ? original.call(this, status) : original.call(this, status, reason);
  };
  (res as { writeHead: unknown }).writeHead = patched;
}
