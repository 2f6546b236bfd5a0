import type { ReadDigests } from './read-digest-header.ts';

/**
 * Remembers the parsed digests of recent `Cache-Digest` header values: a
 * client sends the same digest on every navigation until its cache changes,
 * and decoding 1,000 entries costs tens of microseconds. Bounded (oldest out
 * first) in values and in their total length, so any value up to the
 * header bound can be cached without letting many long ones pile up.
 */
export class DigestCache {
  private readonly entries = new Map<string, ReadDigests>();
  private readonly maxEntries: number;
  private readonly maxValueLength: number;
  private readonly maxTotalLength: number;
  private totalLength = 0;

  constructor(options: { maxEntries?: number; maxValueLength?: number; maxTotalLength?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 256;
    this.maxValueLength = options.maxValueLength ?? 32 * 1024;
    this.maxTotalLength = options.maxTotalLength ?? 1024 * 1024;
  }

  /** The cached result for `value`, or the result of `parse()` (cached when small enough). */
  get(value: string, parse: () => ReadDigests): ReadDigests {
    if (this.maxEntries === 0 || value.length > this.maxValueLength || value.length > this.maxTotalLength) return parse();
    // First in, first out: refreshing recency on every hit would cost more than the rare re-parse it saves.
    const hit = this.entries.get(value);
    if (hit) return hit;
    const result = parse();
    this.entries.set(value, result);
    this.totalLength += value.length;
    while (this.entries.size > this.maxEntries || this.totalLength > this.maxTotalLength) {
      const oldest = this.entries.keys().next().value!;
      this.entries.delete(oldest);
      this.totalLength -= oldest.length;
    }
    return result;
  }
}
