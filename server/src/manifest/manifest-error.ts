/** Why a push manifest was refused. */
export type ManifestErrorCode = 'READ_FAILED' | 'TOO_LARGE' | 'BAD_JSON' | 'INVALID';

/** A push manifest that cannot be read or does not follow the schema; `where` points at the offending value. */
export class ManifestError extends Error {
  readonly code: ManifestErrorCode;
  /** A JSON path such as `pages["/index.html"][2].url`, when the problem is one value. */
  readonly where: string | undefined;

  constructor(code: ManifestErrorCode, message: string, where?: string) {
    super(where ? `${message} (at ${where})` : message);
    this.name = 'ManifestError';
    this.code = code;
    this.where = where;
  }
}
