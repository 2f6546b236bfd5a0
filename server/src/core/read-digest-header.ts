import { parseCacheDigestHeader, type CacheDigestMember, type KeyHasher } from '@cache-digest/shared';

/** The usable digests of one request, or why there are none. */
export interface ReadDigests {
  /** Members to query; members with flags this server does not know are skipped, as H2O does. */
  members: CacheDigestMember[];
  /** Sum of the used members' entries. */
  entries: number;
  status: 'none' | 'valid' | 'invalid';
  /** Set when status is `invalid`. */
  error?: string;
}

/**
 * Reads every `Cache-Digest` member of a request within `maxLength`
 * characters. Never throws: a malformed header counts as no digest.
 */
export function readDigestHeader(
  header: string | string[] | undefined,
  options: { maxLength: number; hash: KeyHasher },
): ReadDigests {
  if (header === undefined || (Array.isArray(header) && header.length === 0)) {
    return { members: [], entries: 0, status: 'none' };
  }
  let members: CacheDigestMember[];
  try {
    members = parseCacheDigestHeader(header, { maxLength: options.maxLength, maxDigestBytes: options.maxLength, hash: options.hash });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    return { members: [], entries: 0, status: 'invalid', error: typeof code === 'string' ? `${code}: ${message}` : message };
  }
  const usable = members.filter((member) => member.unknownFlags.length === 0);
  let entries = 0;
  for (const member of usable) entries += member.digest.size;
  return { members: usable, entries, status: usable.length > 0 ? 'valid' : 'none' };
}
