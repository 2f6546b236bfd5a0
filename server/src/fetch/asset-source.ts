/** What a source gives back: a response, or nothing (undefined or null) when it has no such file. */
export type SourceResult = Response | undefined | null;

/**
 * Where pages and assets come from, one function: Cloudflare's
 * `(url) => env.ASSETS.fetch(url)`, KV, R2, Deno KV, a file system, an
 * in-memory site ({@link memorySite}) or an origin ({@link originSource}).
 * `url` is absolute; `request`, when given, is the client's request to
 * answer (a page, or any request the handler passes through), to forward as
 * it is; without it, a plain GET of an asset to push. A source may throw
 * (an origin that cannot be reached): the handler answers 502, or 504 when
 * the error is a {@link SourceError} with that status.
 */
export type AssetSource = (url: URL, request?: Request) => SourceResult | Promise<SourceResult>;

/** A source failure that maps to an HTTP status (502 unreachable or reset, 504 timed out). */
export class SourceError extends Error {
  /** The status a page that failed this way gets. */
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'SourceError';
    this.status = status;
  }
}
