/** Machine-readable reasons a digest, header or frame was refused. */
export type CacheDigestErrorCode =
  | 'BAD_BASE64'
  | 'TRUNCATED'
  | 'BAD_PARAMETERS'
  | 'VALUE_OUT_OF_RANGE'
  | 'TOO_LARGE'
  | 'BAD_HEADER'
  | 'BAD_FRAME'
  | 'BAD_ARGUMENT'
  /** A header member whose flags this library does not act on (an unknown flag, or `stale` without `validators`). */
  | 'UNSUPPORTED_FLAGS';

/**
 * The one error every codec in this package throws for malformed input or
 * arguments. Callers branch on `code`, never on the message.
 */
export class CacheDigestError extends Error {
  readonly code: CacheDigestErrorCode;

  /** `message` defaults to the code (the Service Worker bundle drops the English texts, see dropErrorMessages). */
  constructor(code: CacheDigestErrorCode, message: string = code) {
    super(message);
    this.name = 'CacheDigestError';
    this.code = code;
  }
}

/** True when `error` is a {@link CacheDigestError} (optionally with the given code). */
export function isCacheDigestError(error: unknown, code?: CacheDigestErrorCode): error is CacheDigestError {
  return error instanceof CacheDigestError && (code === undefined || error.code === code);
}
