import { MAX_DIGEST_HEADER_LENGTH, isCacheDigestError, readCacheDigestHeader, type CacheDigestErrorCode, type CacheDigestMember, type KeyHasher } from '@cache-digest/shared';

/**
 * Default bound on a request's `Cache-Digest` value, in characters, checked
 * before anything is decoded (a longer value counts as no digest): the
 * worker's budget (1,400 characters) with room to spare. Receiving a header
 * costs in proportion to its size, reading a digest in proportion to its
 * entries (bounded apart, default 1,024): together they keep the dearest
 * accepted digest within about 2-3x a request without one
 * (docs/failure-handling.md, "Digest cost").
 */
export const DEFAULT_MAX_DIGEST_HEADER_LENGTH = MAX_DIGEST_HEADER_LENGTH;

/** The usable digests of one request, or why there are none. */
export interface ReadDigests {
  /** Members to query (those after the header's last `reset`); malformed or unsupported members are skipped, as H2O does. */
  members: CacheDigestMember[];
  /** Sum of the used members' entries. */
  entries: number;
  /** `none` (no header), `valid` (at least one usable member), `invalid` (a header with no usable member: no digest). */
  status: 'none' | 'valid' | 'invalid';
  /** The header carries `reset` (on any member, usable or not): digests held for the connection are forgotten first. */
  reset: boolean;
  /** Members skipped, with their error codes. */
  skipped: { index: number; code: CacheDigestErrorCode; message: string }[];
  /** `CODE: message` of each skipped member (or of the whole header), for the log. */
  error?: string;
}

/**
 * Reads every `Cache-Digest` member of a request within `maxLength`
 * characters and `maxEntries` entries in all. Never throws: a malformed
 * member is skipped, a header without a usable member counts as no digest.
 */
export function readDigestHeader(
  header: string | string[] | undefined,
  options: { maxLength: number; hash: KeyHasher; maxEntries?: number },
): ReadDigests {
  if (header === undefined || (Array.isArray(header) && header.length === 0)) {
    return { members: [], entries: 0, status: 'none', reset: false, skipped: [] };
  }
  let read;
  try {
    read = readCacheDigestHeader(header, {
      maxLength: options.maxLength,
      maxDigestBytes: options.maxLength,
      ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
      hash: options.hash,
    });
  } catch (error) {
    const message = isCacheDigestError(error) ? `${error.code}: ${error.message}` : String(error);
    return { members: [], entries: 0, status: 'invalid', reset: false, skipped: [], error: message };
  }
  // A reset forgets what came before it, in this header too (H2O reads members in order).
  let members: CacheDigestMember[] = [];
  let reset = false;
  for (const member of read.order) {
    if (member.reset) {
      reset = true;
      members = [];
    }
    if (!('error' in member)) members.push(member);
  }
  let entries = 0;
  for (const member of members) entries += member.digest.size;
  const skipped = read.skipped.map((member) => ({ index: member.index, code: member.error.code, message: member.error.message }));
  const status = members.length > 0 ? 'valid' : read.skipped.length > 0 ? 'invalid' : 'none';
  return {
    members,
    entries,
    status,
    reset,
    skipped,
    ...(skipped.length > 0 ? { error: skipped.map((s) => `member ${s.index} ${s.code}: ${s.message}`).join('; ') } : {}),
  };
}
