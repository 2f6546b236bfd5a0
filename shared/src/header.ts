import { base64urlDecode, base64urlEncode } from './base64url.ts';
import { decodeDigest, Digest, DEFAULT_MAX_DIGEST_BYTES } from './digest.ts';
import { CacheDigestError, isCacheDigestError } from './errors.ts';
import type { KeyHasher } from './hash.ts';

/** Default bound on a whole `Cache-Digest` header, in characters: 64 KiB. */
export const DEFAULT_MAX_HEADER_LENGTH = 64 * 1024;
/** Bound on members in one header, so a list of tiny digests cannot multiply work. */
export const MAX_HEADER_MEMBERS = 64;

/** The flags a `Cache-Digest` member may carry. */
export interface CacheDigestFlags {
  /** Forget digests received earlier for this origin. */
  reset?: boolean;
  /** The digests sent are the client's whole cache of that kind (fresh or stale). */
  complete?: boolean;
  /** Keys are URL + ETag. */
  validators?: boolean;
  /** Entries are stale rather than fresh. */
  stale?: boolean;
}

/** One member of a parsed `Cache-Digest` header. */
export interface CacheDigestMember extends Required<CacheDigestFlags> {
  /** The base64url value as received. */
  value: string;
  /** The decoded digest. */
  digest: Digest;
}

/**
 * A member that was skipped (as H2O skips it) and why. Its flags are read
 * as far as they parse: a skipped member's `reset` still forgets earlier
 * digests, as in H2O.
 */
export interface SkippedCacheDigestMember extends Required<CacheDigestFlags> {
  /** Position among the header's non-empty members, from 0. */
  index: number;
  /** The member's value as received, cut to 64 characters. */
  value: string;
  /** Flags this library does not know, lower-cased, in order. */
  unknownFlags: string[];
  /** Why it was skipped: the digest's own code, `BAD_HEADER`, `TOO_LARGE` or `UNSUPPORTED_FLAGS`. */
  error: CacheDigestError;
}

/** A header read member by member: the usable members and the skipped ones, in header order. */
export interface CacheDigestHeader {
  /** Members to use. */
  members: CacheDigestMember[];
  /** Members skipped, each with its error. */
  skipped: SkippedCacheDigestMember[];
  /** Header positions of usable and skipped members alike, in order (to apply `reset` where it stands). */
  order: (CacheDigestMember | SkippedCacheDigestMember)[];
}

/** Options of {@link parseCacheDigestHeader}. */
export interface ParseHeaderOptions {
  /** Whole-header bound in characters; default 64 KiB. */
  maxLength?: number;
  /** Per-digest bound in bytes; default 64 KiB. */
  maxDigestBytes?: number;
  /** Bound on the entries of all members together; a member past it is skipped (`TOO_LARGE`). Default unbounded. */
  maxEntries?: number;
  /** Key hasher for the decoded digests' `has()`. */
  hash?: KeyHasher;
}

const KNOWN_FLAGS = new Set(['reset', 'complete', 'validators', 'stale']);

/**
 * Reads a `Cache-Digest` header (one string, or several header lines, which
 * are joined as a list) member by member, as H2O does: a malformed member,
 * or one whose flags this library does not act on (an unknown flag, or
 * `stale` without `validators`), is skipped and listed with its error; the
 * others are used. Throws {@link CacheDigestError} only for the whole
 * header: `TOO_LARGE` (over `maxLength`) or `BAD_ARGUMENT` (not a string).
 */
export function readCacheDigestHeader(header: string | readonly string[] | undefined, options: ParseHeaderOptions = {}): CacheDigestHeader {
  const result: CacheDigestHeader = { members: [], skipped: [], order: [] };
  if (header === undefined) return result;
  const maxLength = options.maxLength ?? DEFAULT_MAX_HEADER_LENGTH;
  let text: string;
  if (typeof header === 'string') text = header;
  else if (Array.isArray(header) && header.every((line) => typeof line === 'string')) {
    let length = 0;
    for (const line of header) length += line.length + 1;
    if (length > maxLength + 1) throw tooLarge(length, maxLength);
    text = header.join(',');
  } else {
    throw new CacheDigestError('BAD_ARGUMENT', 'a Cache-Digest header must be a string or a list of strings');
  }
  if (text.length > maxLength) throw tooLarge(text.length, maxLength);

  let entriesLeft = options.maxEntries ?? Infinity;
  let index = 0;
  for (const rawMember of text.split(',')) {
    if (rawMember.trim() === '') continue; // empty list elements are allowed by the list syntax
    const parts = rawMember.split(';');
    const value = parts[0]!.trim();
    const flags = { reset: false, complete: false, validators: false, stale: false };
    const unknownFlags: string[] = [];
    let error: CacheDigestError | undefined;
    for (let i = 1; i < parts.length; i++) {
      const flag = parts[i]!.trim().toLowerCase();
      if (flag === '') continue;
      if (!/^[\x21-\x7e]+$/.test(flag)) error ??= new CacheDigestError('BAD_HEADER', 'a Cache-Digest flag has invalid characters');
      else if (KNOWN_FLAGS.has(flag)) flags[flag as keyof CacheDigestFlags] = true;
      else unknownFlags.push(flag);
    }
    if (index >= MAX_HEADER_MEMBERS) error = new CacheDigestError('TOO_LARGE', `more than ${MAX_HEADER_MEMBERS} digests in one header`);
    else if (value === '') error ??= new CacheDigestError('BAD_HEADER', 'a Cache-Digest member has no digest value');
    else if (unknownFlags.length > 0) error ??= new CacheDigestError('UNSUPPORTED_FLAGS', `unknown flag "${unknownFlags[0]!.slice(0, 32)}"`);
    else if (flags.stale && !flags.validators) error ??= new CacheDigestError('UNSUPPORTED_FLAGS', 'a stale digest without validators cannot tell a current copy');
    // A digest declares N, its entry count rounded to a power of two: one declaring far more than the
    // entries left is refused from its first two characters, before any decoding.
    const log2N = declaredLog2N(value);
    if (!error && log2N !== undefined && 2 ** log2N > 2 * entriesLeft) {
      error = new CacheDigestError('TOO_LARGE', `digest declares N = 2^${log2N}, more than the ${entriesLeft} entries allowed`);
    }
    let digest: Digest | undefined;
    if (!error) {
      try {
        digest = decodeDigest(base64urlDecode(value), {
          maxBytes: options.maxDigestBytes ?? DEFAULT_MAX_DIGEST_BYTES,
          maxEntries: entriesLeft,
          ...(options.hash ? { hash: options.hash } : {}),
        });
        entriesLeft -= digest.size;
      } catch (caught) {
        if (!isCacheDigestError(caught)) throw caught;
        error = caught;
      }
    }
    if (digest) {
      const member: CacheDigestMember = { value, digest, ...flags };
      result.members.push(member);
      result.order.push(member);
    } else {
      const skipped: SkippedCacheDigestMember = { index, value: value.slice(0, 64), unknownFlags, ...flags, error: error! };
      result.skipped.push(skipped);
      result.order.push(skipped);
    }
    index++;
    // Past the member bound only count what is left (one entry says so), never parse it.
    if (index > MAX_HEADER_MEMBERS) break;
  }
  return result;
}

/**
 * The usable members of a `Cache-Digest` header; malformed or unsupported
 * members are skipped (see {@link readCacheDigestHeader}, which also says
 * why). Throws {@link CacheDigestError} only for the whole header
 * (`TOO_LARGE`, `BAD_ARGUMENT`).
 */
export function parseCacheDigestHeader(header: string | readonly string[] | undefined, options: ParseHeaderOptions = {}): CacheDigestMember[] {
  return readCacheDigestHeader(header, options).members;
}

/** True when `member` (from {@link CacheDigestHeader.order}) was skipped. */
export function isSkippedMember(member: CacheDigestMember | SkippedCacheDigestMember): member is SkippedCacheDigestMember {
  return 'error' in member;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** log2(N) from a base64url digest value's first character, or undefined when it is not base64url. */
function declaredLog2N(value: string): number | undefined {
  const sextet = BASE64URL.indexOf(value.charAt(0));
  return value.length < 2 || sextet < 0 ? undefined : sextet >> 1;
}

function tooLarge(length: number, maxLength: number): CacheDigestError {
  return new CacheDigestError('TOO_LARGE', `Cache-Digest header of ${length} characters exceeds the ${maxLength}-character limit`);
}

/** A member to format: digest bytes (or an already encoded value) and its flags. */
export interface CacheDigestHeaderInput extends CacheDigestFlags {
  digest: Uint8Array | string;
  /** Further flags to emit verbatim (for experiments with peers). */
  extraFlags?: readonly string[];
}

/** Formats a `Cache-Digest` header value: `<base64url>[; flag]*` members joined by `, `. */
export function formatCacheDigestHeader(members: readonly CacheDigestHeaderInput[]): string {
  return members
    .map((member) => {
      const value = typeof member.digest === 'string' ? member.digest : base64urlEncode(member.digest);
      const flags: string[] = [];
      if (member.reset) flags.push('reset');
      if (member.complete) flags.push('complete');
      if (member.validators) flags.push('validators');
      if (member.stale) flags.push('stale');
      if (member.extraFlags) flags.push(...member.extraFlags);
      return [value, ...flags].join('; ');
    })
    .join(', ');
}
