/** Why {@link StaticSite.read} could not return a file's bytes. */
export type StaticFileErrorCode = 'CHANGED' | 'NOT_FOUND';

/**
 * Thrown by `StaticSite.read()` when the file on disk is gone or no longer
 * matches the resolved {@link StaticFile} (other size or mtime): its ETag
 * would not describe the bytes, so the caller should resolve it again.
 */
export class StaticFileError extends Error {
  readonly code: StaticFileErrorCode;

  constructor(code: StaticFileErrorCode, message: string) {
    super(message);
    this.name = 'StaticFileError';
    this.code = code;
  }
}
