import mime from 'mime-types';

/** The Content-Type for a file name, from `mime-types`; text types get `charset=utf-8`. */
export function contentTypeFor(fileName: string): string {
  return mime.contentType(fileName.split('/').pop() ?? fileName) || 'application/octet-stream';
}

const COMPRESSIBLE_APPLICATION = new Set([
  'application/javascript',
  'application/json',
  'application/xml',
  'application/wasm',
  'application/manifest+json',
  'application/vnd.ms-fontobject',
  'application/x-javascript',
  'image/svg+xml',
  'image/vnd.microsoft.icon',
  'image/x-icon',
  'image/bmp',
  'font/ttf',
  'font/otf',
]);

/** True for types worth compressing (text, JSON, XML, SVG, WASM, raw fonts); not for woff2, png, jpeg and other already compressed formats. */
export function isCompressibleType(contentType: string): boolean {
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  if (essence.startsWith('text/')) return true;
  if (essence.endsWith('+json') || essence.endsWith('+xml')) return true;
  return COMPRESSIBLE_APPLICATION.has(essence);
}

/** The media type without parameters (`text/css` for `text/css; charset=utf-8`). */
export function mediaTypeEssence(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}
