/** True when an Accept-Encoding value accepts gzip (q > 0 for `gzip`, `x-gzip`, or `*` with gzip unnamed). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value || value.length > 4096) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const item of value.split(',')) {
    const [rawName, ...params] = item.split(';');
    const name = rawName!.trim().toLowerCase();
    let quality = 1;
    for (const param of params) {
      const [key, rawValue] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') {
        const parsed = Number(rawValue?.trim());
        quality = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, quality);
    else if (name === '*') star = quality;
  }
  return (gzip ?? star ?? 0) > 0;
}
