/** A content coding a {@link StaticSite} can send. */
export type ContentCoding = 'br' | 'gzip' | 'identity';

const MAX_HEADER_LENGTH = 4096;

/**
 * Picks the best coding the client accepts from an Accept-Encoding value
 * (q-values and `*` honoured; brotli preferred over gzip at equal q).
 * Returns `identity` when nothing better is acceptable.
 */
export function negotiateEncoding(header: string | string[] | undefined): ContentCoding {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value || value.length > MAX_HEADER_LENGTH) return 'identity';
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
  const star = q.get('*');
  const qualityOf = (coding: string): number => q.get(coding) ?? (coding === 'x-gzip' ? 0 : star ?? 0);
  const br = qualityOf('br');
  const gzip = Math.max(qualityOf('gzip'), q.get('x-gzip') ?? 0);
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return 'identity';
}
