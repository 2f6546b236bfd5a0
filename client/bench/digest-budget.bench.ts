// npm run bench:digest-budget — the navigation digest under its byte budget
// (default 1,400 characters) for 100 to 50,000 cached entries, against the
// former fixed P = 2^7: header size, P chosen, entries kept, false positives
// measured by querying absent URLs, and what each side costs at RTT 100 ms.
// The digests are built by the worker's own DigestIndex (runtime-neutral
// code, run here in Node). Writes bench/results/digest-budget.json and .svg.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { base64urlEncode, DEFAULT_DIGEST_BUDGET, encodeHashes, MIN_USEFUL_P_BITS, parseCacheDigestHeader } from '@cache-digest/shared';
import { DigestIndex } from '../src/sw/digest-index.ts';
import { encodeWithinBudget } from '../src/sw/encode-within-budget.ts';
import { createIndexEntry, type IndexEntry } from '../src/sw/index-entry.ts';

const SIZES = [100, 1000, 3000, 10_000, 50_000];
const PAGE_ASSETS = 30;
/** Absent URLs queried per digest to measure its false-positive rate. */
const PROBES = Number(process.env.PROBES ?? 100_000);
const RTT_MS = 100;
const UPLINKS_MBIT = [1, 5];
/** A new connection's first flight: an initial window of 10 packets of 1,460 bytes. */
const INITIAL_WINDOW_BYTES = 14_600;
/** The rest of a navigation request (other headers, HTTP/2 + TLS framing): an assumption, stated in the docs. */
const OTHER_REQUEST_BYTES = 700;
const NOW = Date.now();
const resultsDir = path.resolve('bench/results');

const FRESH = { storable: true, freshUntil: NOW + 3_600_000, immutable: false, mustRevalidate: false };
const url = (i: number) => `https://example.com/assets/file-${i}-${(i * 2654435761) >>> 0}.js`;

/** Chance that at least one of `absent` assets is a false positive at `rate`, and its expected cost (one lost round trip). */
const risk = (rate: number, absent: number) => {
  const atLeastOne = 1 - (1 - rate) ** absent;
  return { expected: absent * rate, atLeastOne, costMs: atLeastOne * RTT_MS };
};
/** Uplink time of `bytes` at each rate, and the round trip lost when the request no longer fits the first flight. */
const byteCost = (bytes: number) => ({
  uplinkMs: Object.fromEntries(UPLINKS_MBIT.map((mbit) => [`${mbit}Mbit`, (bytes * 8) / (mbit * 1000)])),
  spillsFirstFlight: bytes + OTHER_REQUEST_BYTES > INITIAL_WINDOW_BYTES,
  spillMs: bytes + OTHER_REQUEST_BYTES > INITIAL_WINDOW_BYTES ? RTT_MS : 0,
});

/** False-positive rate of a header's fresh member, measured on `PROBES` URLs no entry has. */
function measuredRate(header: string): number {
  const member = parseCacheDigestHeader(header, { maxLength: 1 << 20, maxDigestBytes: 1 << 20 })[0]!;
  let hits = 0;
  for (let i = 0; i < PROBES; i++) if (member.digest.has(`https://example.com/absent/${i}.css`)) hits++;
  return hits / PROBES;
}

interface Row {
  entries: number;
  budgeted: { chars: number; pBits: number; kept: number; whole: boolean; fpRate: number; pageAssetsKept: number; pageAssetsKeptWithoutCurrent: number };
  fixedP7: { chars: number; fpRate: number };
}

const rows: Row[] = [];
const entriesOf: IndexEntry[][] = [];
for (const n of SIZES) {
  const index = new DigestIndex();
  const entries: IndexEntry[] = [];
  for (let i = 0; i < n; i++) {
    // Entry i last used at NOW - (n - i): higher i, more recent.
    const entry = createIndexEntry({ url: url(i), etag: `"e${i}"`, policy: FRESH, size: 1000, now: NOW - (n - i) });
    entries.push(entry);
    index.set(entry);
  }
  entriesOf.push(entries);
  // The current page's 30 assets, spread over the older half of the cache (the worst case for recency alone).
  const page = new Set(Array.from({ length: PAGE_ASSETS }, (_, k) => url(Math.floor((k * n) / (2 * PAGE_ASSETS)))));
  const budgeted = index.digest(NOW, { budget: DEFAULT_DIGEST_BUDGET, isCurrent: (u) => page.has(u) });
  const blind = index.digest(NOW, { budget: DEFAULT_DIGEST_BUDGET });
  const kept = (header: string) => {
    const member = parseCacheDigestHeader(header)[0]!;
    return [...page].filter((u) => member.digest.has(u)).length;
  };
  // The former behaviour: every entry at P = 2^7, however long (encoded directly: the index now caps it at 32 KiB).
  const hashes = new Uint32Array(n * 2);
  entries.forEach((entry, i) => ((hashes[2 * i] = entry.urlHi), (hashes[2 * i + 1] = entry.urlLo)));
  const fixed = `${base64urlEncode(encodeHashes(hashes, { pBits: 7 }))}; complete`;
  rows.push({
    entries: n,
    budgeted: {
      chars: budgeted.header.length,
      pBits: budgeted.pBits,
      kept: budgeted.fresh,
      whole: budgeted.whole,
      fpRate: measuredRate(budgeted.header),
      pageAssetsKept: kept(budgeted.header),
      pageAssetsKeptWithoutCurrent: kept(blind.header),
    },
    fixedP7: { chars: fixed.length, fpRate: measuredRate(fixed) },
  });
}

console.log(`Navigation digest within ${DEFAULT_DIGEST_BUDGET} characters vs fixed P = 2^7 (false positives measured on ${PROBES.toLocaleString('en')} absent URLs)`);
console.table(
  rows.map((r) => ({
    entries: r.entries,
    'chars (budget)': r.budgeted.chars,
    'P (budget)': `2^${r.budgeted.pBits}`,
    'entries sent': r.budgeted.kept,
    'FP in 30 (budget)': Number((PAGE_ASSETS * r.budgeted.fpRate).toFixed(3)),
    'page assets kept': `${r.budgeted.pageAssetsKept}/${PAGE_ASSETS} (${r.budgeted.pageAssetsKeptWithoutCurrent} by recency alone)`,
    'chars (P=2^7)': r.fixedP7.chars,
    'FP in 30 (P=2^7)': Number((PAGE_ASSETS * r.fixedP7.fpRate).toFixed(3)),
  })),
);

console.log(`\nWhat it costs at RTT ${RTT_MS} ms: a false positive loses one round trip (the page fetches the asset the server did not send);`);
console.log(`bytes cost uplink time (computed: chars × 8 / rate, 1 byte per character, before HPACK) and a round trip when the`);
console.log(`request (+${OTHER_REQUEST_BYTES} bytes of other headers and framing) spills over a first flight of ${INITIAL_WINDOW_BYTES} bytes.`);
const costRows = rows.flatMap((r) =>
  (['budget', 'P=2^7'] as const).map((kind) => {
    const side = kind === 'budget' ? r.budgeted : r.fixedP7;
    const bytes = byteCost(side.chars);
    const newPage = risk(side.fpRate, PAGE_ASSETS);
    const deploy = risk(side.fpRate, 3);
    return {
      entries: r.entries,
      digest: kind,
      'FP ms, 30 absent': Number(newPage.costMs.toFixed(1)),
      'FP ms, 3 absent': Number(deploy.costMs.toFixed(1)),
      'uplink ms 1 Mbit/s': Number(bytes.uplinkMs['1Mbit']!.toFixed(1)),
      'uplink ms 5 Mbit/s': Number(bytes.uplinkMs['5Mbit']!.toFixed(1)),
      'first-flight spill ms': bytes.spillMs,
    };
  }),
);
console.table(costRows);

// The floor: at 3,000 and 10,000 entries, what each P would keep within the budget and what it risks.
const floorRows = [3000, 10_000].flatMap((n) => {
  const entries = entriesOf[SIZES.indexOf(n)]!;
  return [4, 5, 6, 7, 8, 9].map((pBits) => {
    const result = encodeWithinBudget(entries, [], { maxChars: DEFAULT_DIGEST_BUDGET, minPBits: pBits, maxPBits: pBits })!;
    const rate = measuredRate(result.header);
    return {
      entries: n,
      P: `2^${pBits}`,
      'entries sent': result.fresh,
      'FP rate': Number(rate.toFixed(5)),
      'P(≥1 FP | 30 absent)': Number(risk(rate, PAGE_ASSETS).atLeastOne.toFixed(3)),
      'FP ms, 30 absent': Number(risk(rate, PAGE_ASSETS).costMs.toFixed(1)),
      'FP ms, 3 absent': Number(risk(rate, 3).costMs.toFixed(1)),
    };
  });
});
console.log(`\nThe floor (now 2^${MIN_USEFUL_P_BITS}): entries that fit ${DEFAULT_DIGEST_BUDGET} characters at each P, and the round trips its false positives risk`);
console.table(floorRows);

await mkdir(resultsDir, { recursive: true });
const result = {
  date: new Date().toISOString(),
  budgetChars: DEFAULT_DIGEST_BUDGET,
  floorPBits: MIN_USEFUL_P_BITS,
  pageAssets: PAGE_ASSETS,
  probes: PROBES,
  rttMs: RTT_MS,
  uplinksMbit: UPLINKS_MBIT,
  initialWindowBytes: INITIAL_WINDOW_BYTES,
  otherRequestBytes: OTHER_REQUEST_BYTES,
  rows,
  costs: costRows,
  floor: floorRows,
};
await writeFile(path.join(resultsDir, 'digest-budget.json'), `${JSON.stringify(result, null, 2)}\n`);
await writeFile(path.join(resultsDir, 'digest-budget.svg'), chart(rows));
console.log('\nwrote bench/results/digest-budget.json and bench/results/digest-budget.svg');

/** Header characters per cache size, budgeted vs fixed P = 2^7, on a log scale, with the budget and the first flight marked. */
function chart(data: Row[]): string {
  const width = 760, height = 380, left = 70, bottom = 310, top = 50;
  const maxLog = Math.ceil(Math.log10(Math.max(...data.map((r) => r.fixedP7.chars), INITIAL_WINDOW_BYTES)));
  const y = (chars: number) => bottom - ((bottom - top) * Math.log10(Math.max(1, chars))) / maxLog;
  const slot = (width - left - 20) / data.length;
  const bars = data
    .map((r, i) => {
      const x = left + i * slot;
      const bar = (value: number, dx: number, fill: string, label: string) =>
        `<rect x="${x + dx}" y="${y(value)}" width="${slot / 2 - 8}" height="${bottom - y(value)}" fill="${fill}"><title>${label}: ${value} chars</title></rect>`;
      return (
        bar(r.fixedP7.chars, 4, '#bab0ac', `${r.entries} entries, P=2^7`) +
        bar(r.budgeted.chars, slot / 2, '#4c78a8', `${r.entries} entries, budget, P=2^${r.budgeted.pBits}`) +
        `<text x="${x + slot / 2}" y="${bottom + 14}" font-size="10" text-anchor="middle">${r.entries.toLocaleString('en')} entries</text>` +
        `<text x="${x + slot / 2}" y="${bottom + 27}" font-size="9" text-anchor="middle">budget: P=2^${r.budgeted.pBits}, ${r.budgeted.kept.toLocaleString('en')} sent</text>`
      );
    })
    .join('');
  const ticks = Array.from({ length: maxLog + 1 }, (_, e) => `<text x="${left - 6}" y="${y(10 ** e) + 3}" font-size="10" text-anchor="end">${(10 ** e).toLocaleString('en')}</text><line x1="${left}" x2="${width - 20}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#eee"/>`).join('');
  const mark = (chars: number, color: string, label: string) =>
    `<line x1="${left}" x2="${width - 20}" y1="${y(chars)}" y2="${y(chars)}" stroke="${color}" stroke-dasharray="4 3"/><text x="${width - 22}" y="${y(chars) - 4}" font-size="10" text-anchor="end" fill="${color}">${label}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="22" font-size="14">Cache-Digest header characters (log scale): fixed P=2^7 (grey) vs ${DEFAULT_DIGEST_BUDGET}-character budget (blue)</text>
${ticks}${bars}
${mark(DEFAULT_DIGEST_BUDGET, '#4c78a8', `budget ${DEFAULT_DIGEST_BUDGET}`)}
${mark(INITIAL_WINDOW_BYTES - OTHER_REQUEST_BYTES, '#e45756', 'first flight spills above')}
<text x="${width / 2}" y="${height - 12}" font-size="11" text-anchor="middle">cached entries</text>
</svg>
`;
}
