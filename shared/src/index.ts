// @cache-digest/shared: the Cache Digest codec for browsers, Service Workers
// and Node. Nothing here imports a Node-only module; Node extras live in ./node.ts.
export { CacheDigestError, isCacheDigestError, type CacheDigestErrorCode } from './errors.ts';
export { base64urlDecode, base64urlEncode } from './base64url.ts';
export { sha256 } from './sha256.ts';
export { crc32 } from './crc32.ts';
export { digestKey, hashKey, hashKeyAsync, type Hash64, type KeyHasher } from './hash.ts';
export { contentEtag } from './etag.ts';
export { encodeDigest, encodeHashes, encodeHashesNarrow, DEFAULT_MAX_ENCODED_BYTES, type DigestEntry, type EncodeHashesOptions, type EncodeOptions } from './encode.ts';
export { decodeDigest, Digest, DEFAULT_MAX_DIGEST_BYTES, type DecodeOptions } from './digest.ts';
export {
  parseCacheDigestHeader,
  readCacheDigestHeader,
  isSkippedMember,
  formatCacheDigestHeader,
  DEFAULT_MAX_HEADER_LENGTH,
  MAX_HEADER_MEMBERS,
  type CacheDigestFlags,
  type CacheDigestMember,
  type CacheDigestHeader,
  type SkippedCacheDigestMember,
  type CacheDigestHeaderInput,
  type ParseHeaderOptions,
} from './header.ts';
export * from './frame.ts';
export {
  chooseDigestParameters,
  estimateDigestBits,
  nBitsForCount,
  DEFAULT_P_BITS,
  DEFAULT_HEADER_BUDGET,
  DEFAULT_DIGEST_BUDGET,
  MAX_DIGEST_HEADER_LENGTH,
  MAX_DIGEST_ENTRIES,
  MIN_USEFUL_P_BITS,
  MAX_USEFUL_P_BITS,
  estimateDigestChars,
  largestPBitsWithin,
  entriesWithin,
  MAX_HASH_BITS,
  MAX_N_BITS,
  MAX_P_BITS,
  type DigestParameters,
} from './parameters.ts';
export * from './push-stream/index.ts';
export { ASSET_DESTINATIONS, PUSH_MANIFEST_VERSION, type AssetDestination, type ManifestAsset, type PushManifest } from './push-manifest.ts';
export * from './negotiation/index.ts';
