import type { ReadDigests } from './read-digest-header.ts';

/**
 * Remembers the parsed digests of recent `Cache-Digest` header values: a
 * client sends the same digest on every navigation until its cache changes,
 * and decoding 1,000 entries costs tens of microseconds. Bounded (oldest out first) in entries
 * and in the length of the values it keeps (longer ones are parsed each time).
 */
export class DigestCache {
  private readonly entries = new Map<string, ReadDigests>();
  private readonly maxEntries: number;
  private readonly maxValueLength: number;

  constructor(options: { maxEntries?: number; maxValueLength?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 256;
    this.maxValueLength = options.maxValueLength ?? 8192;
  }

  /** The cached result for `value`, or the result of `parse()` (cached when small enough). */
  get(value: string, parse: () => ReadDigests): ReadDigests {
    if (this.maxEntries === 0 || value.length > this.maxValueLength) return parse();
    // First in, first out: refreshing recency on every hit would cost more than the rare re-parse it saves.
    const hit = this.entries.get(value);
    if (hit) return hit;
    const result = parse();
    this.entries.set(value, result);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return result;
  }
}
