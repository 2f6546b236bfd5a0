import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { NodeResponse } from './node-types.ts';

/** True once nothing more can be written: the HTTP/2 stream or the HTTP/1.1 response is closed or destroyed. */
export function responseClosed(res: NodeResponse): boolean {
  // node:http2's compatibility response has no `destroyed`; its stream does.
  const stream = (res as Partial<Http2ServerResponse>).stream;
  if (stream) return stream.destroyed || stream.closed;
  return (res as ServerResponse).destroyed;
}
