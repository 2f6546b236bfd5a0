import type { CacheDigestMember } from '@cache-digest/shared';
import type { ReadDigests } from './read-digest-header.ts';

/** Options of {@link ConnectionDigests}. */
export interface ConnectionDigestsOptions {
  /** Entries held in all (default 8,192); past it the oldest members are forgotten first. */
  maxEntries?: number;
  /** Members held (default 64). */
  maxMembers?: number;
}

/** The digests a connection holds for one origin, as {@link ConnectionDigests.apply} left them. */
export interface HeldDigests {
  members: readonly CacheDigestMember[];
  entries: number;
}

/**
 * The digests one HTTP/2 connection has sent for one origin, for push mode,
 * as H2O keeps them: the members of each request's header are added to what
 * the connection's earlier requests said (a request without a header uses
 * them as they are); `reset` on any member forgets them first. Whether the
 * digests are `complete` is kept per kind (URL-only, URL + ETag) from the
 * latest member of that kind; H2O keeps one flag for both, set by the latest
 * member. Bounded: the oldest members go first; a member the connection
 * already holds (same value and flags: a client resends its digest) is not
 * added twice.
 */
export class ConnectionDigests {
  private held: CacheDigestMember[] = [];
  private entries = 0;
  private readonly maxEntries: number;
  private readonly maxMembers: number;
  private completeUrl = false;
  private completeEtag = false;

  constructor(options: ConnectionDigestsOptions = {}) {
    this.maxEntries = options.maxEntries ?? 8_192;
    this.maxMembers = options.maxMembers ?? 64;
  }

  /** Adds one request's digests (after a `reset`, in place of the held ones) and returns what the connection now holds. */
  apply(read: ReadDigests): HeldDigests {
    if (read.reset) {
      this.held = [];
      this.entries = 0;
      this.completeUrl = false;
      this.completeEtag = false;
    }
    for (const member of read.members) {
      if (member.validators) this.completeEtag = member.complete;
      else this.completeUrl = member.complete;
      if (this.held.some((held) => sameMember(held, member))) continue;
      this.held.push(member);
      this.entries += member.digest.size;
    }
    while (this.held.length > this.maxMembers || (this.entries > this.maxEntries && this.held.length > 0)) {
      this.entries -= this.held.shift()!.digest.size;
    }
    return { members: this.held.slice(), entries: this.entries };
  }

  /** Whether the latest member of that kind said `complete` (a URL none holds is then not cached, rather than unknown). */
  complete(kind: 'url' | 'url-etag'): boolean {
    return kind === 'url' ? this.completeUrl : this.completeEtag;
  }
}

function sameMember(a: CacheDigestMember, b: CacheDigestMember): boolean {
  return a.value === b.value && a.validators === b.validators && a.stale === b.stale;
}
