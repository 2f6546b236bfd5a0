import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { PageRequest } from '../core/types.ts';
import type { NodeRequest } from './node-types.ts';

/** The runtime-neutral view of a node:http or node:http2 request. */
export function describeRequest(req: NodeRequest): PageRequest {
  const http2 = req.httpVersionMajor === 2;
  const headers = req.headers as PageRequest['headers'];
  const stream = http2 ? (req as Http2ServerRequest).stream : undefined;
  const authority = firstValue(headers[':authority']) ?? firstValue(headers['host']) ?? 'localhost';
  const scheme = firstValue(headers[':scheme']) ?? ((req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http');
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    authority,
    scheme,
    headers,
    http2,
    pushEnabled: Boolean(stream && !stream.destroyed && stream.pushAllowed && stream.session?.remoteSettings.enablePush),
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
