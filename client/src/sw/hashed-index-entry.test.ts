import { describe, expect, it } from 'vitest';
import { hashedIndexEntry } from './hashed-index-entry.ts';
import { createIndexEntry } from './index-entry.ts';

const policy = { storable: true, freshUntil: 1_800_000_060_000, immutable: true, mustRevalidate: false };

describe('hashedIndexEntry', () => {
  it('builds the same entry as createIndexEntry, hashing with crypto.subtle', async () => {
    for (const etag of [undefined, null, '"v1"', 'W/"x"', '']) {
      for (const url of ['https://example.com/app.js', 'https://example.com/%C3%A9t%C3%A9.css', 'https://example.com/été.css']) {
        const fields = { url, etag, policy, size: 42, now: 1_800_000_000_000 };
        expect(await hashedIndexEntry(fields)).toEqual(createIndexEntry(fields));
      }
    }
  });

  it('keys a stale entry by URL + ETag, not by the URL alone', async () => {
    const entry = await hashedIndexEntry({ url: 'https://example.com/a.js', etag: '"e1"', policy, size: 1, now: 0 });
    expect([entry.keyHi, entry.keyLo]).not.toEqual([entry.urlHi, entry.urlLo]);
  });
});
