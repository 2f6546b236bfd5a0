// CRC-32 algebra over GF(2) (the method of zlib 1.2.12's crc32_combine): the CRC of A followed by B from the
// CRCs of A and B and B's length, in about 32 * log2(length) bit steps, without reading A or B again.
const POLY = 0xedb88320;

/** a * b modulo the CRC polynomial (reflected bit order). */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

// X2N[k] = x^(2^k) modulo P.
const X2N = new Uint32Array(32);
{
  let p = 0x40000000; // x^1
  X2N[0] = p;
  for (let n = 1; n < 32; n++) X2N[n] = p = multiplyModP(p, p);
}

/** x^(n * 2^k) modulo P. */
function xPowerModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multiplyModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * The CRC-32 (zlib's) of the bytes whose CRC is `first` followed by
 * `secondLength` bytes whose CRC is `second`: lets a server join CRCs of
 * pieces it computed once instead of reading their bytes on every request.
 */
export function crc32Combine(first: number, second: number, secondLength: number): number {
  if (secondLength <= 0) return first >>> 0;
  return (multiplyModP(xPowerModP(secondLength, 3), first >>> 0) ^ second) >>> 0;
}
