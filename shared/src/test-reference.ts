// Test-only: a deliberately naive draft-02 encoder and decoder written
// straight from the text of the draft with BigInt and bit strings, sharing no
// code with the real ones, to check them against.
import { createHash } from 'node:crypto';

export function referenceHash(key: string, bits: number): bigint {
  if (bits === 0) return 0n;
  const prefix = createHash('sha256').update(key, 'utf8').digest().readBigUInt64BE(0);
  return prefix >> BigInt(64 - bits);
}

export function referenceEncode(keys: string[], pBits: number): Uint8Array {
  const unique = [...new Set(keys)];
  const nBits = unique.length <= 1 ? 0 : Math.round(Math.log2(unique.length));
  const bits = nBits + pBits;
  const values = unique.map((k) => referenceHash(k, bits)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = nBits.toString(2).padStart(5, '0') + pBits.toString(2).padStart(5, '0');
  let c = -1n;
  const P = 1n << BigInt(pBits);
  for (const v of values) {
    if (v === c) continue;
    const d = v - c - 1n;
    out += '0'.repeat(Number(d / P)) + '1';
    if (pBits > 0) out += (d % P).toString(2).padStart(pBits, '0');
    c = v;
  }
  while (out.length % 8 !== 0) out += '0';
  const bytes = new Uint8Array(out.length / 8);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(out.slice(i * 8, i * 8 + 8), 2);
  return bytes;
}

export function referenceDecode(bytes: Uint8Array): { nBits: number; pBits: number; values: bigint[] } {
  const bitString = Array.from(bytes, (b) => b.toString(2).padStart(8, '0')).join('');
  const nBits = parseInt(bitString.slice(0, 5), 2);
  const pBits = parseInt(bitString.slice(5, 10), 2);
  const values: bigint[] = [];
  let pos = 10;
  let c = -1n;
  for (;;) {
    const one = bitString.indexOf('1', pos);
    if (one === -1) break;
    const q = BigInt(one - pos);
    const r = pBits === 0 ? 0n : BigInt(parseInt(bitString.slice(one + 1, one + 1 + pBits), 2));
    pos = one + 1 + pBits;
    c += (q << BigInt(pBits)) + r + 1n;
    values.push(c);
  }
  return { nBits, pBits, values };
}
