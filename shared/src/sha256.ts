// A compact synchronous SHA-256. Browsers only offer the asynchronous
// crypto.subtle.digest, whose per-call promise costs about 3x the hashing
// itself for URL-sized inputs; a worker hashing on every cache write wants
// the synchronous path.

// The round constants and the initial state are the first 32 fraction bits of
// the cube roots of the first 64 primes and the square roots of the first 8,
// computed at load rather than spelled out: about 0.5 KB less in the gzipped
// Service Worker. Before truncation every value lies at least 0.02 from an
// integer, far beyond any engine's rounding error in Math.cbrt (codec.test.ts
// compares the hash with node:crypto's).
const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every((p) => n % p)) PRIMES.push(n);
const fraction32 = (root: number): number => ((root % 1) * 2 ** 32) | 0;
const K = new Int32Array(PRIMES.map((p) => fraction32(Math.cbrt(p))));
const INITIAL_STATE = new Int32Array(PRIMES.slice(0, 8).map((p) => fraction32(Math.sqrt(p))));

const W = new Int32Array(64);
const H = new Int32Array(8);

function compress(block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0; H[1] = (H[1]! + b) | 0; H[2] = (H[2]! + c) | 0; H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0; H[5] = (H[5]! + f) | 0; H[6] = (H[6]! + g) | 0; H[7] = (H[7]! + h) | 0;
}

/** Runs SHA-256 over `bytes`, leaving the state words in the module's H. */
function run(bytes: Uint8Array): void {
  H.set(INITIAL_STATE);
  const full = bytes.length - (bytes.length % 64);
  for (let off = 0; off < full; off += 64) compress(bytes, off);
  const rest = bytes.length - full;
  const tail = new Uint8Array(rest < 56 ? 64 : 128);
  tail.set(bytes.subarray(full));
  tail[rest] = 0x80;
  const bitLength = bytes.length * 8;
  const end = tail.length;
  // Lengths above 2^32 bits do not occur for in-memory inputs here; the high word is written anyway.
  const high = Math.floor(bitLength / 0x100000000);
  tail[end - 8] = high >>> 24; tail[end - 7] = high >>> 16; tail[end - 6] = high >>> 8; tail[end - 5] = high;
  tail[end - 4] = bitLength >>> 24; tail[end - 3] = bitLength >>> 16; tail[end - 2] = bitLength >>> 8; tail[end - 1] = bitLength;
  compress(tail, 0);
  if (tail.length === 128) compress(tail, 64);
}

/** SHA-256 of `bytes` (synchronous, pure JavaScript). */
export function sha256(bytes: Uint8Array): Uint8Array {
  run(bytes);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[i * 4] = v >>> 24; out[i * 4 + 1] = v >>> 16; out[i * 4 + 2] = v >>> 8; out[i * 4 + 3] = v;
  }
  return out;
}

/** The first 64 bits of SHA-256(bytes) as two unsigned 32-bit words, without allocating the digest. */
export function sha256Prefix(bytes: Uint8Array): { hi: number; lo: number } {
  run(bytes);
  return { hi: H[0]! >>> 0, lo: H[1]! >>> 0 };
}
