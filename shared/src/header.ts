import { base64urlDecode, base64urlEncode } from './base64url.ts';
import { decodeDigest, Digest, DEFAULT_MAX_DIGEST_BYTES } from './digest.ts';
import { CacheDigestError } from './errors.ts';
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
  /** Flags this library does not know, lower-cased, in order (a peer such as H2O skips such members). */
  unknownFlags: string[];
}

/** Options of {@link parseCacheDigestHeader}. */
export interface ParseHeaderOptions {
  /** Whole-header bound in characters; default 64 KiB. */
  maxLength?: number;
  /** Per-digest bound in bytes; default 64 KiB. */
  maxDigestBytes?: number;
  /** Key hasher for the decoded digests' `has()`. */
  hash?: KeyHasher;
}

const KNOWN_FLAGS = new Set(['reset', 'complete', 'validators', 'stale']);

/**
 * Parses a `Cache-Digest` header (one string, or several header lines, which
 * are joined as a list). Throws {@link CacheDigestError} (`TOO_LARGE`,
 * `BAD_HEADER`, or the digest's own code) when any member is malformed.
 */
export function parseCacheDigestHeader(header: string | readonly string[] | undefined, options: ParseHeaderOptions = {}): CacheDigestMember[] {
  if (header === undefined) return [];
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

  const members: CacheDigestMember[] = [];
  for (const rawMember of text.split(',')) {
    if (rawMember.trim() === '') continue; // empty list elements are allowed by the list syntax
    if (members.length === MAX_HEADER_MEMBERS) {
      throw new CacheDigestError('TOO_LARGE', `more than ${MAX_HEADER_MEMBERS} digests in one header`);
    }
    const parts = rawMember.split(';');
    const value = parts[0]!.trim();
    if (value === '') throw new CacheDigestError('BAD_HEADER', 'a Cache-Digest member has no digest value');
    const member: CacheDigestMember = {
      value,
      digest: decodeDigest(base64urlDecode(value), {
        maxBytes: options.maxDigestBytes ?? DEFAULT_MAX_DIGEST_BYTES,
        ...(options.hash ? { hash: options.hash } : {}),
      }),
      reset: false,
      complete: false,
      validators: false,
      stale: false,
      unknownFlags: [],
    };
    for (let i = 1; i < parts.length; i++) {
      const flag = parts[i]!.trim().toLowerCase();
      if (flag === '') continue;
      if (!/^[\x21-\x7e]+$/.test(flag)) throw new CacheDigestError('BAD_HEADER', 'a Cache-Digest flag has invalid characters');
      if (KNOWN_FLAGS.has(flag)) member[flag as keyof CacheDigestFlags] = true;
      else member.unknownFlags.push(flag);
    }
    members.push(member);
  }
  return members;
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
