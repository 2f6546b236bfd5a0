import type { CacheDigestMember } from '@cache-digest/shared';
import type { AssetHashes } from './asset-hash-cache.ts';
import type { AssetState } from './types.ts';

/**
 * The client's state of one asset according to its digests: `fresh` when a
 * fresh digest holds the URL (or, with validators, URL + current ETag);
 * `stale-current` when a stale validators digest holds URL + current ETag;
 * otherwise `missing`. A stale digest without validators cannot tell whether
 * the copy is current, so it counts as missing.
 */
export function classifyAsset(hashes: AssetHashes, members: readonly CacheDigestMember[]): AssetState {
  let staleCurrent = false;
  for (const member of members) {
    if (member.stale) {
      if (member.validators && !staleCurrent && member.digest.hasHash(hashes.withEtag)) staleCurrent = true;
    } else if (member.digest.hasHash(member.validators ? hashes.withEtag : hashes.url)) {
      return 'fresh';
    }
  }
  return staleCurrent ? 'stale-current' : 'missing';
}
