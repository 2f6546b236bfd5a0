// Bundled into the bench page: builds an index of n entries and times
// building the navigation's digest header from it, as the worker does.
import { DigestIndex } from '../src/sw/digest-index.ts';
import { createIndexEntry } from '../src/sw/index-entry.ts';

interface BenchResult {
  /** Median ms per digest build. */
  buildMs: number;
  /** Every run's ms per build. */
  runsMs: number[];
  /** ms per entry to create index entries (two SHA-256 per entry), at insertion time. */
  insertMsPerEntry: number;
  headerChars: number;
  fresh: number;
  stale: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

(globalThis as { benchDigestBuild?: (n: number, runs: number) => BenchResult }).benchDigestBuild = (n, runs) => {
  const now = Date.now();
  const index = new DigestIndex();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    // One in ten entries stale, with an ETag: both digest members get built.
    const stale = i % 10 === 0;
    const policy = { storable: true, freshUntil: stale ? now - 1 : now + 3_600_000, immutable: false, mustRevalidate: false };
    index.set(createIndexEntry({ url: `https://example.com/assets/file-${i}-${(i * 2654435761) >>> 0}.js`, etag: `"etag-${i}"`, policy, size: 1000, now }));
  }
  const insertMsPerEntry = (performance.now() - started) / n;
  let snapshot = index.digest(now);
  const runsMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    // Repeat until 50 ms have passed, so the timer's resolution does not matter.
    let iterations = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < 50 && iterations < 100_000) {
      snapshot = index.digest(now);
      iterations++;
      elapsed = performance.now() - start;
    }
    runsMs.push(elapsed / iterations);
  }
  return { buildMs: median(runsMs), runsMs, insertMsPerEntry, headerChars: snapshot.header.length, fresh: snapshot.fresh, stale: snapshot.stale };
};

/**
 * A Workbox site's index as the plugin keeps it: `precached` entries
 * (workbox-precaching, fresh for good, no ETag) and `runtime` entries (HTTP
 * freshness, one in ten stale with an ETag). Returns the median ms per digest build.
 */
(globalThis as { benchWorkboxDigestBuild?: (precached: number, runtime: number, runs: number) => BenchResult }).benchWorkboxDigestBuild = (
  precached,
  runtime,
  runs,
) => {
  const now = Date.now();
  const index = new DigestIndex();
  const started = performance.now();
  const forever = { storable: true, freshUntil: Number.MAX_SAFE_INTEGER, immutable: false, mustRevalidate: false };
  for (let i = 0; i < precached; i++) {
    index.set(createIndexEntry({ url: `https://example.com/assets/precached-${i}-${(i * 2654435761) >>> 0}.js`, etag: undefined, policy: forever, size: 1000, now }));
  }
  for (let i = 0; i < runtime; i++) {
    const stale = i % 10 === 0;
    const policy = { storable: true, freshUntil: stale ? now - 1 : now + 3_600_000, immutable: false, mustRevalidate: false };
    index.set(createIndexEntry({ url: `https://example.com/runtime/item-${i}.json`, etag: `"rt-${i}"`, policy, size: 1000, now }));
  }
  const insertMsPerEntry = (performance.now() - started) / (precached + runtime);
  let snapshot = index.digest(now);
  const runsMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    let iterations = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < 50 && iterations < 100_000) {
      snapshot = index.digest(now);
      iterations++;
      elapsed = performance.now() - start;
    }
    runsMs.push(elapsed / iterations);
  }
  return { buildMs: median(runsMs), runsMs, insertMsPerEntry, headerChars: snapshot.header.length, fresh: snapshot.fresh, stale: snapshot.stale };
};
