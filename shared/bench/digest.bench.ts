// npm run bench:digest — digest size against the information-theoretic bound
// and the GCS floor, encode/decode/query speed, and a fuzz count. Prints
// tables; writes bench/results/digest.json and bench/results/digest-size.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  CacheDigestError,
  decodeDigest,
  encodeDigest,
  encodeHashes,
  hashKey,
  parseCacheDigestHeader,
  base64urlEncode,
} from '../src/index.ts';
import { hashKeyNode } from '../src/node.ts';

const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };

const urlsFor = (n: number, seed: string) => Array.from({ length: n }, (_, i) => `https://example.com/assets/${seed}/${i.toString(36)}-${(i * 2654435761 >>> 0).toString(16)}.js`);

// --- Size -------------------------------------------------------------------
type SizeRow = { n: number; pBits: number; nBits: number; bytes: number; bitsPerEntry: number; bound: number; floor: number; overFloor: number };
const sizeRows: SizeRow[] = [];
for (const n of [10, 100, 1000, 10000]) {
  for (const pBits of [5, 7, 10]) {
    const trials = n >= 10000 ? 5 : 40;
    let bits = 0;
    let nBits = 0;
    for (let t = 0; t < trials; t++) {
      const bytes = encodeDigest(urlsFor(n, `s${t}`), { pBits, hash: hashKeyNode });
      nBits = decodeDigest(bytes, { maxBytes: 1 << 20 }).nBits;
      bits += bytes.length * 8;
    }
    const bitsPerEntry = bits / trials / n;
    const epsilon = n / 2 ** (nBits + pBits); // expected false-positive rate n/(N·P)
    const bound = Math.log2(1 / epsilon);
    const floor = bound + 1.44;
    sizeRows.push({ n, pBits, nBits, bytes: Math.round(bits / trials / 8), bitsPerEntry, bound, floor, overFloor: bitsPerEntry - floor });
  }
}
console.log('\nDigest size (mean of random URL sets; bits per entry include the 10-bit header and padding)');
console.table(sizeRows.map((r) => ({
  n: r.n, 'log2 P': r.pBits, 'log2 N': r.nBits, bytes: r.bytes,
  'bits/entry': r.bitsPerEntry.toFixed(2), 'log2(1/ε)': r.bound.toFixed(2), 'GCS floor': r.floor.toFixed(2), 'over floor': r.overFloor.toFixed(2),
})));
results.size = sizeRows;

// --- Speed ------------------------------------------------------------------
function medianMs(fn: () => void, iterations: number, rounds = 15): number {
  for (let i = 0; i < iterations; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6 / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const urls = urlsFor(1000, 'speed');
const hashes = new Uint32Array(urls.flatMap((u) => { const h = hashKey(u); return [h.hi, h.lo]; }));
const bytes = encodeHashes(hashes);
const probes = Array.from({ length: 20 }, (_, i) => (i % 2 ? urls[i * 37]! : `https://example.com/absent/${i}`));
const probeHashes = probes.map((p) => hashKeyNode(p));
let sink = 0;
const speed = {
  encodePrehashedMs: medianMs(() => { sink += encodeHashes(hashes).length; }, 200),
  encodeWithHashingJsMs: medianMs(() => { sink += encodeDigest(urls).length; }, 20),
  encodeWithHashingNodeMs: medianMs(() => { sink += encodeDigest(urls, { hash: hashKeyNode }).length; }, 20),
  decodePlus20QueriesMs: medianMs(() => {
    const d = decodeDigest(bytes);
    for (const h of probeHashes) if (d.hasHash(h)) sink++;
  }, 500),
  decodePlus20QueriesHashingMs: medianMs(() => {
    const d = decodeDigest(bytes);
    for (const p of probes) if (d.has(p)) sink++;
  }, 500),
  headerParsePlus20QueriesMs: medianMs(() => {
    const [m] = parseCacheDigestHeader(`${base64urlEncode(bytes)}; complete`);
    for (const h of probeHashes) if (m!.digest.hasHash(h)) sink++;
  }, 500),
};
console.log('\nSpeed for n = 1,000 (median of 15 rounds, ms per operation)');
console.table(Object.fromEntries(Object.entries(speed).map(([k, v]) => [k, { ms: v.toFixed(4) }])));
results.speed = { n: 1000, ...speed, targets: { encodePrehashedMs: 0.2, decodePlus20QueriesMs: 0.1 } };

// --- Fuzz -------------------------------------------------------------------
const FUZZ = 100_000;
let typed = 0;
let accepted = 0;
const untyped: string[] = [];
const fuzzStart = Date.now();
for (let i = 0; i < FUZZ; i++) {
  const kind = i % 3;
  const input = kind === 0 ? randomBytes(1 + (i % 64)) : kind === 1 ? bytes.subarray(0, i % bytes.length) : (() => { const b = bytes.slice(); b[i % b.length] ^= 1 << (i % 8); return b; })();
  try {
    decodeDigest(input);
    accepted++;
  } catch (error) {
    if (error instanceof CacheDigestError) typed++;
    else untyped.push(String(error));
  }
}
const fuzz = { inputs: FUZZ, accepted, typedErrors: typed, otherErrors: untyped.length, seconds: (Date.now() - fuzzStart) / 1000 };
console.log('\nFuzz (random bytes, truncations, bit flips of a real digest)');
console.table([fuzz]);
results.fuzz = fuzz;

// --- Output -----------------------------------------------------------------
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/digest.json', `${JSON.stringify(results, null, 2)}\n`);
writeFileSync('bench/results/digest-size.svg', sizeChart(sizeRows));
console.log('\nwrote bench/results/digest.json and bench/results/digest-size.svg');
if (sink < 0) console.log(sink);

function sizeChart(rows: SizeRow[]): string {
  const width = 760, height = 360, left = 60, bottom = 300, top = 40;
  const max = Math.ceil(Math.max(...rows.map((r) => r.bitsPerEntry)) + 1);
  const y = (v: number) => bottom - ((bottom - top) * v) / max;
  const slot = (width - left - 20) / rows.length;
  const bars = rows.map((r, i) => {
    const x = left + i * slot;
    return `<rect x="${x + 4}" y="${y(r.bitsPerEntry)}" width="${slot - 8}" height="${bottom - y(r.bitsPerEntry)}" fill="#4c78a8"><title>n=${r.n} log2P=${r.pBits}: ${r.bitsPerEntry.toFixed(2)} bits/entry</title></rect>`
      + `<line x1="${x + 2}" x2="${x + slot - 2}" y1="${y(r.floor)}" y2="${y(r.floor)}" stroke="#e45756" stroke-width="2"/>`
      + `<line x1="${x + 2}" x2="${x + slot - 2}" y1="${y(r.bound)}" y2="${y(r.bound)}" stroke="#54a24b" stroke-width="2" stroke-dasharray="3 2"/>`
      + `<text x="${x + slot / 2}" y="${bottom + 14}" font-size="9" text-anchor="middle">${r.n}</text>`
      + `<text x="${x + slot / 2}" y="${bottom + 26}" font-size="9" text-anchor="middle">P=2^${r.pBits}</text>`;
  }).join('');
  const ticks = Array.from({ length: max + 1 }, (_, v) => (v % 2 ? '' : `<text x="${left - 6}" y="${y(v) + 3}" font-size="10" text-anchor="end">${v}</text><line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`)).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="22" font-size="14">Cache Digest size: bits per entry (bars), GCS floor log2(1/ε)+1.44 (red), bound log2(1/ε) (green)</text>
${ticks}${bars}
<text x="${width / 2}" y="${height - 14}" font-size="11" text-anchor="middle">entries n and false-positive parameter P</text>
</svg>
`;
}
