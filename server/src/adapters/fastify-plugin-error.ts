/** Why {@link cacheDigestFastify} refused to register. */
export type CacheDigestFastifyErrorCode = 'ALREADY_REGISTERED';

/**
 * A registration of the Fastify plugin that would deliver twice: it is
 * already registered on this instance or on one of its parents, whose hook
 * already runs for every route here. Register it once, on the instance whose
 * routes it serves (sibling contexts may each have their own).
 */
export class CacheDigestFastifyError extends Error {
  readonly code: CacheDigestFastifyErrorCode;

  constructor(code: CacheDigestFastifyErrorCode, message: string) {
    super(message);
    this.name = 'CacheDigestFastifyError';
    this.code = code;
  }
}
