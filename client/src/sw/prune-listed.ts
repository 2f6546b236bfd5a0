import type { IndexEntry } from './index-entry.ts';

/** Most pages an entry remembers as listing it; a shared asset listed by more is kept until these all drop it. */
export const MAX_PAGES_PER_ENTRY = 32;

/**
 * Applies one page's current asset list (a push stream's
 * `push-stream-assets`) to the index entries: each listed entry records the
 * page (`pages`), each entry that recorded the page but is no longer listed
 * forgets it, and an entry that no page lists any more is retired (a deploy
 * replaced it: an old content-hashed URL). Entries no page ever listed are
 * left alone (idle time and the storage budget bound those). Changes the
 * entries in place; returns those to write back and the URLs to retire.
 */
export function applyPageList(
  entries: Iterable<IndexEntry>,
  page: string,
  listed: ReadonlySet<string>,
): { changed: IndexEntry[]; retired: string[] } {
  const changed: IndexEntry[] = [];
  const retired: string[] = [];
  for (const entry of entries) {
    const pages = entry.pages ?? [];
    const recorded = pages.includes(page);
    if (listed.has(entry.url)) {
      if (recorded || pages.length >= MAX_PAGES_PER_ENTRY) continue;
      entry.pages = [...pages, page];
      changed.push(entry);
    } else if (recorded) {
      const remaining = pages.filter((other) => other !== page);
      if (remaining.length === 0) retired.push(entry.url);
      else {
        entry.pages = remaining;
        changed.push(entry);
      }
    }
  }
  return { changed, retired };
}
