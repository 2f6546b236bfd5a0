import { evaluatePreconditions, type PreconditionResult } from '../static/conditional.ts';
import type { StaticRequest } from '../static/index.ts';

/**
 * Preconditions on the ETag alone: the body has no Last-Modified (it may be
 * rebuilt at each start), so date conditions are ignored rather than
 * compared with a made-up date.
 */
export function etagPreconditions(headers: StaticRequest['headers'], etag: string): PreconditionResult {
  return evaluatePreconditions({ 'if-match': headers['if-match'], 'if-none-match': headers['if-none-match'] }, { etag, mtime: new Date(0) });
}
