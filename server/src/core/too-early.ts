/** Methods safe to replay (RFC 9110 §9.2.1): answering them from early data changes nothing. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Status a server returns to a request it will not process from TLS early data (RFC 8470 §5.2). */
export const TOO_EARLY_STATUS = 425;

/**
 * RFC 8470: true when a request arrived in TLS early data (a proxy in front,
 * such as nginx with `ssl_early_data on`, says so with `Early-Data: 1`) and is
 * not safe to replay, so it must get 425 and be retried after the handshake.
 * Early data can be replayed by an attacker; a page GET is safe to answer.
 * Any non-empty `Early-Data` value counts (a repeated header arrives joined).
 */
export function isUnsafeEarlyData(method: string | undefined, earlyData: string | readonly string[] | undefined): boolean {
  const value = Array.isArray(earlyData) ? earlyData.join(',') : (earlyData as string | undefined);
  if (value === undefined || value.trim() === '') return false;
  return !SAFE_METHODS.has((method ?? 'GET').toUpperCase());
}

/** The 425 answer's headers and body, the same from every adapter. */
export const TOO_EARLY_RESPONSE = {
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  body: 'Too Early: retry after the TLS handshake\n',
} as const;
