// Static files served the way a production server does, as runtime-neutral responses.
export { StaticSite } from './static-site.ts';
export { StaticFileError, type StaticFileErrorCode } from './static-file-error.ts';
export type { StaticFile, StaticRequest, StaticResponse, StaticSiteOptions } from './types.ts';
export { defaultCacheControl, isContentHashedName } from './cache-control.ts';
export { immutablePaths, ImmutableGlobError, type ImmutablePathsOptions } from './immutable-paths.ts';
export { contentTypeFor, isCompressibleType, mediaTypeEssence } from './content-type.ts';
export { negotiateEncoding, type ContentCoding } from './accept-encoding.ts';
export { parseUrlPath, formatUrlPath, encodePathSegment, MAX_URL_PATH_LENGTH, type ParsedUrlPath } from './url-path.ts';
