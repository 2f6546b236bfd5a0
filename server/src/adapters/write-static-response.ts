import type { Readable } from 'node:stream';
import type { StaticResponse } from '../static/index.ts';
import type { NodeResponse } from './node-types.ts';
import { responseClosed } from './response-closed.ts';

/** Writes a runtime-neutral {@link StaticResponse} to a node:http or node:http2 compatibility response. */
export function writeStaticResponse(res: NodeResponse, response: StaticResponse): void {
  if (res.headersSent || res.writableEnded || responseClosed(res)) return;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.writeHead(response.status);
  const body = response.body;
  if (body === null) {
    res.end();
  } else if (body instanceof Uint8Array) {
    res.end(body);
  } else {
    pipeBody(body, res);
  }
}

function pipeBody(body: Readable, res: NodeResponse): void {
  body.on('error', () => res.destroy());
  res.once('close', () => body.destroy());
  body.pipe(res as NodeJS.WritableStream);
}
