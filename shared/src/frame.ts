import { decodeDigest, type Digest, DEFAULT_MAX_DIGEST_BYTES } from './digest.ts';
import { CacheDigestError } from './errors.ts';
import type { CacheDigestFlags } from './header.ts';
import type { KeyHasher } from './hash.ts';

/** HTTP/2 frame type of CACHE_DIGEST. */
export const CACHE_DIGEST_FRAME_TYPE = 0xd;
/** HTTP/2 setting a server sends to say it wants digests. */
export const SETTINGS_ACCEPT_CACHE_DIGEST = 0x7;
/** ACCEPT_CACHE_DIGEST value bits: the server wants fresh / stale digests. */
export const ACCEPT_CACHE_DIGEST_FRESH = 0x1;
export const ACCEPT_CACHE_DIGEST_STALE = 0x2;
/** CACHE_DIGEST frame flags. */
export const CACHE_DIGEST_FLAG_RESET = 0x1;
export const CACHE_DIGEST_FLAG_COMPLETE = 0x2;
export const CACHE_DIGEST_FLAG_VALIDATORS = 0x4;
export const CACHE_DIGEST_FLAG_STALE = 0x8;

/** A CACHE_DIGEST frame's content. */
export interface CacheDigestFrame extends CacheDigestFlags {
  /** ASCII serialisation of the origin, e.g. `https://example.com`. */
  origin: string;
  /** The digest value bytes. */
  digest: Uint8Array;
}

const HTTP2_FRAME_HEADER = 9;
const MAX_FRAME_PAYLOAD = 0xffffff;

/** Origin serialisations: scheme "://" host [":" port], printable ASCII, no path. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[\x21-\x7e]+$/i;

function checkOrigin(origin: string): void {
  if (typeof origin !== 'string' || origin.length > 0xffff || !ORIGIN.test(origin) || origin.indexOf('/', origin.indexOf('//') + 2) !== -1) {
    throw new CacheDigestError('BAD_FRAME', 'CACHE_DIGEST origin must be an ASCII origin serialisation of at most 65535 octets');
  }
}

/** The frame's flags byte for the given flags. */
export function cacheDigestFrameFlags(flags: CacheDigestFlags): number {
  return (flags.reset ? CACHE_DIGEST_FLAG_RESET : 0)
    | (flags.complete ? CACHE_DIGEST_FLAG_COMPLETE : 0)
    | (flags.validators ? CACHE_DIGEST_FLAG_VALIDATORS : 0)
    | (flags.stale ? CACHE_DIGEST_FLAG_STALE : 0);
}

/** The CACHE_DIGEST payload: Origin-Len (16 bits), Origin, Digest-Value. */
export function encodeCacheDigestPayload(frame: Pick<CacheDigestFrame, 'origin' | 'digest'>): Uint8Array {
  checkOrigin(frame.origin);
  const out = new Uint8Array(2 + frame.origin.length + frame.digest.length);
  out[0] = frame.origin.length >> 8;
  out[1] = frame.origin.length & 0xff;
  for (let i = 0; i < frame.origin.length; i++) out[2 + i] = frame.origin.charCodeAt(i);
  out.set(frame.digest, 2 + frame.origin.length);
  return out;
}

/** Splits a CACHE_DIGEST payload into origin and digest bytes; `BAD_FRAME` or `TOO_LARGE` when malformed. */
export function decodeCacheDigestPayload(payload: Uint8Array, options: { maxDigestBytes?: number } = {}): { origin: string; digest: Uint8Array } {
  if (!(payload instanceof Uint8Array)) throw new CacheDigestError('BAD_ARGUMENT', 'payload must be a Uint8Array');
  if (payload.length < 2) throw new CacheDigestError('BAD_FRAME', 'CACHE_DIGEST payload is shorter than its Origin-Len');
  const originLength = (payload[0]! << 8) | payload[1]!;
  if (payload.length < 2 + originLength) throw new CacheDigestError('BAD_FRAME', 'CACHE_DIGEST payload ends inside its Origin');
  let origin = '';
  for (let i = 2; i < 2 + originLength; i++) origin += String.fromCharCode(payload[i]!);
  checkOrigin(origin);
  const digest = payload.subarray(2 + originLength);
  const maxBytes = options.maxDigestBytes ?? DEFAULT_MAX_DIGEST_BYTES;
  if (digest.length > maxBytes) throw new CacheDigestError('TOO_LARGE', `digest of ${digest.length} bytes exceeds the ${maxBytes}-byte limit`);
  return { origin, digest };
}

/** A whole HTTP/2 CACHE_DIGEST frame (9-byte header, stream 0), for HTTP/2 stacks that can send custom frames. */
export function encodeCacheDigestFrame(frame: CacheDigestFrame): Uint8Array {
  const payload = encodeCacheDigestPayload(frame);
  if (payload.length > MAX_FRAME_PAYLOAD) throw new CacheDigestError('TOO_LARGE', 'CACHE_DIGEST payload exceeds the HTTP/2 frame size');
  const out = new Uint8Array(HTTP2_FRAME_HEADER + payload.length);
  out[0] = payload.length >>> 16;
  out[1] = (payload.length >>> 8) & 0xff;
  out[2] = payload.length & 0xff;
  out[3] = CACHE_DIGEST_FRAME_TYPE;
  out[4] = cacheDigestFrameFlags(frame);
  // Stream identifier 0: the frame applies to the connection.
  out.set(payload, HTTP2_FRAME_HEADER);
  return out;
}

/** A decoded CACHE_DIGEST frame, with its digest decoded too. */
export interface DecodedCacheDigestFrame extends Required<CacheDigestFlags> {
  origin: string;
  digest: Digest;
  /** Flag bits this library does not know. */
  unknownFlags: number;
}

/** Parses a whole CACHE_DIGEST frame; `BAD_FRAME` for a wrong type, stream, length or payload. */
export function decodeCacheDigestFrame(frame: Uint8Array, options: { maxDigestBytes?: number; hash?: KeyHasher } = {}): DecodedCacheDigestFrame {
  if (!(frame instanceof Uint8Array)) throw new CacheDigestError('BAD_ARGUMENT', 'frame must be a Uint8Array');
  if (frame.length < HTTP2_FRAME_HEADER) throw new CacheDigestError('TRUNCATED', 'frame is shorter than an HTTP/2 frame header');
  const length = (frame[0]! << 16) | (frame[1]! << 8) | frame[2]!;
  if (frame[3] !== CACHE_DIGEST_FRAME_TYPE) throw new CacheDigestError('BAD_FRAME', `frame type 0x${frame[3]!.toString(16)} is not CACHE_DIGEST`);
  const streamId = ((frame[5]! & 0x7f) << 24) | (frame[6]! << 16) | (frame[7]! << 8) | frame[8]!;
  if (streamId !== 0) throw new CacheDigestError('BAD_FRAME', 'CACHE_DIGEST must be sent on stream 0');
  if (frame.length !== HTTP2_FRAME_HEADER + length) throw new CacheDigestError('TRUNCATED', 'frame length does not match its header');
  const flags = frame[4]!;
  const { origin, digest } = decodeCacheDigestPayload(frame.subarray(HTTP2_FRAME_HEADER), options);
  return {
    origin,
    digest: decodeDigest(digest, { ...(options.maxDigestBytes !== undefined ? { maxBytes: options.maxDigestBytes } : {}), ...(options.hash ? { hash: options.hash } : {}) }),
    reset: (flags & CACHE_DIGEST_FLAG_RESET) !== 0,
    complete: (flags & CACHE_DIGEST_FLAG_COMPLETE) !== 0,
    validators: (flags & CACHE_DIGEST_FLAG_VALIDATORS) !== 0,
    stale: (flags & CACHE_DIGEST_FLAG_STALE) !== 0,
    unknownFlags: flags & 0xf0,
  };
}
