/** What HTTP caching rules say about one stored response (RFC 9111, private cache). */
export interface CachePolicy {
  /** The response may be stored at all (status, no-store, Vary: *). */
  storable: boolean;
  /** Epoch milliseconds until which the response is fresh; 0 when it must be revalidated before every use. */
  freshUntil: number;
  /** `immutable`: while fresh, serve it even on a reload. */
  immutable: boolean;
  /** `must-revalidate` / `no-cache`: never serve it stale, not even when the network fails. */
  mustRevalidate: boolean;
}

/** Statuses a heuristic freshness lifetime may be given to. */
const HEURISTIC_STATUSES = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);
/** Heuristic lifetimes are capped at one day, as browsers do. */
const MAX_HEURISTIC_MS = 24 * 60 * 60 * 1000;

/** Parsed `Cache-Control` directives, names lower-cased; a directive without a value maps to ''. */
export function parseCacheControl(value: string | null): Map<string, string> {
  const directives = new Map<string, string>();
  if (!value) return directives;
  for (const raw of value.split(',')) {
    const text = raw.trim();
    if (text === '') continue;
    const eq = text.indexOf('=');
    const name = (eq < 0 ? text : text.slice(0, eq)).trim().toLowerCase();
    let argument = eq < 0 ? '' : text.slice(eq + 1).trim();
    if (argument.startsWith('"') && argument.endsWith('"') && argument.length >= 2) argument = argument.slice(1, -1);
    // The first occurrence wins, as RFC 9111 §4.2.1 recommends for duplicates.
    if (!directives.has(name)) directives.set(name, argument);
  }
  return directives;
}

/** A delta-seconds value, or undefined when it is not one (RFC 9111 §1.2.2); huge values saturate. */
function deltaSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), 2 ** 31);
}

/** An HTTP date in epoch milliseconds, or undefined when missing or invalid. */
function httpDate(value: string | null): number | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

/**
 * The caching policy of `response` headers for a private cache, with the age
 * calculation of RFC 9111 §4.2.3 (Date, Age, request and response times),
 * the lifetime of §4.2.1 (max-age, then Expires − Date, then 10% of
 * Date − Last-Modified), and no-store, no-cache, must-revalidate, immutable
 * and `Vary: *`.
 */
export function cachePolicy(
  status: number,
  headers: Headers,
  times: { requestTime: number; responseTime: number },
): CachePolicy {
  const directives = parseCacheControl(headers.get('cache-control'));
  const vary = headers.get('vary');
  const varyAll = vary !== null && vary.split(',').some((name) => name.trim() === '*');
  // Only 200 is stored here (a private cache may store the heuristically cacheable statuses, RFC 9110 §15.1).
  const storable = status === 200 && !directives.has('no-store') && !varyAll;
  // Pragma: no-cache counts only without Cache-Control (RFC 9111 §5.4).
  const pragmaNoCache = !headers.has('cache-control') && /\bno-cache\b/i.test(headers.get('pragma') ?? '');
  const noCache = directives.has('no-cache') || pragmaNoCache;
  const mustRevalidate = noCache || directives.has('must-revalidate');
  const immutable = directives.has('immutable');
  if (!storable) return { storable: false, freshUntil: 0, immutable: false, mustRevalidate };

  const { requestTime, responseTime } = times;
  const date = httpDate(headers.get('date')) ?? responseTime;
  const ageValue = deltaSeconds(headers.get('age')?.trim()) ?? 0;
  const apparentAge = Math.max(0, responseTime - date);
  const correctedAgeValue = ageValue * 1000 + Math.max(0, responseTime - requestTime);
  const initialAge = Math.max(apparentAge, correctedAgeValue);

  let lifetime: number;
  if (directives.has('max-age')) {
    // An invalid max-age makes the response stale (RFC 9111 §4.2.1).
    lifetime = (deltaSeconds(directives.get('max-age')) ?? 0) * 1000;
  } else if (headers.has('expires')) {
    const expires = httpDate(headers.get('expires'));
    lifetime = expires === undefined ? 0 : Math.max(0, expires - date);
  } else {
    const lastModified = httpDate(headers.get('last-modified'));
    lifetime =
      lastModified !== undefined && HEURISTIC_STATUSES.has(status) && lastModified < date
        ? Math.min(MAX_HEURISTIC_MS, (date - lastModified) / 10)
        : 0;
  }
  const freshUntil = noCache || lifetime <= initialAge ? 0 : responseTime + lifetime - initialAge;
  return { storable, freshUntil, immutable, mustRevalidate };
}
