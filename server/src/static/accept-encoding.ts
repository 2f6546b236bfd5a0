/** A content coding a {@link StaticSite} can send. */
export type ContentCoding = 'br' | 'gzip' | 'identity';

const MAX_HEADER_LENGTH = 4096;

/**
 * Picks the best coding the client accepts from an Accept-Encoding value
 * (q-values and `*` honoured; brotli preferred over gzip at equal q).
 * Returns `identity` when nothing better is acceptable.
 */
export function negotiateEncoding(header: string | string[] | undefined): ContentCoding {
  const q = parseAcceptEncoding(header);
  if (!q) return 'identity';
  const br = qualityOf(q, 'br');
  const gzip = qualityOf(q, 'gzip');
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return 'identity';
}

/** True when an Accept-Encoding value accepts gzip (q > 0 for `gzip`, `x-gzip`, or `*` with gzip unnamed). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const q = parseAcceptEncoding(header);
  return q !== undefined && qualityOf(q, 'gzip') > 0;
}

/** Each named coding's highest q (malformed q counts as 0); undefined for no value or an oversized one. */
function parseAcceptEncoding(header: string | string[] | undefined): Map<string, number> | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value || value.length > MAX_HEADER_LENGTH) return undefined;
  const q = new Map<string, number>();
  for (const item of value.split(',')) {
    const [rawName, ...params] = item.split(';');
    const name = rawName!.trim().toLowerCase();
    if (!name) continue;
    let quality = 1;
    for (const param of params) {
      const [key, rawValue] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') {
        const parsed = Number(rawValue?.trim());
        quality = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    q.set(name, Math.max(q.get(name) ?? 0, quality));
  }
  return q;
}

/** The q of `br` or of gzip (`gzip` or its alias `x-gzip`), `*` standing in for an unnamed `br`/`gzip`. */
function qualityOf(q: Map<string, number>, coding: 'br' | 'gzip'): number {
  const own = q.get(coding) ?? q.get('*') ?? 0;
  return coding === 'gzip' ? Math.max(own, q.get('x-gzip') ?? 0) : own;
}
