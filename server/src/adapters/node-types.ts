import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** A request of node:http (HTTP/1.1) or of node:http2's compatibility API. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** A response of node:http (HTTP/1.1) or of node:http2's compatibility API. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** A connect/Express-style `next`. */
export type NextFunction = (error?: unknown) => void;
