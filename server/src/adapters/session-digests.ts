import type { Http2Session } from 'node:http2';
import { ConnectionDigests } from '../core/connection-digests.ts';

// At most this many origins per connection (coalesced connections serve several): the oldest is forgotten first.
const MAX_ORIGINS_PER_SESSION = 4;
const sessions = new WeakMap<Http2Session, Map<string, ConnectionDigests>>();

/** The digests an HTTP/2 session holds for `origin`; they go with the session (garbage-collected when it closes). */
export function sessionDigests(session: Http2Session, origin: string): ConnectionDigests {
  let origins = sessions.get(session);
  if (!origins) {
    origins = new Map();
    sessions.set(session, origins);
  }
  let digests = origins.get(origin);
  if (!digests) {
    digests = new ConnectionDigests();
    origins.set(origin, digests);
    if (origins.size > MAX_ORIGINS_PER_SESSION) origins.delete(origins.keys().next().value!);
  }
  return digests;
}
