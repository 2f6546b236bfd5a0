import { contentEtag } from '@cache-digest/shared';
import { etagPreconditions } from './etag-preconditions.ts';
import type { StaticRequest, StaticResponse } from '../static/index.ts';

/** A script held in memory, with its validator computed once. */
export interface MemoryScript {
  body: Uint8Array;
  /** Strong content ETag (`contentEtag` of the body). */
  etag: string;
}

/** Holds `text` as a {@link MemoryScript}. */
export function memoryScript(text: string | Uint8Array): MemoryScript {
  const body = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return { body, etag: contentEtag(body) };
}

/**
 * The response to a GET or HEAD of a script served from memory:
 * `text/javascript`, `cache-control: no-cache` (a Service Worker script and
 * its loader must be revalidated on every use), 304 on a matching
 * If-None-Match, 412 on a failed If-Match.
 */
export function memoryScriptResponse(script: MemoryScript, request: Pick<StaticRequest, 'method' | 'headers'>): StaticResponse {
  const validators = { etag: script.etag, 'cache-control': 'no-cache' };
  const precondition = etagPreconditions(request.headers, script.etag);
  if (precondition === 'not-modified') return { status: 304, headers: validators, body: null };
  if (precondition === 'failed') {
    return { status: 412, headers: { 'content-length': '0', 'cache-control': 'no-store' }, body: null };
  }
  return {
    status: 200,
    headers: {
      ...validators,
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': String(script.body.byteLength),
      'x-content-type-options': 'nosniff',
    },
    body: request.method === 'HEAD' ? null : script.body,
  };
}
