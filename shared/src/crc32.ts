// Slice-by-8 tables: TABLES[k][b] is the CRC of byte b followed by k zero bytes,
// so eight input bytes cost eight lookups and no per-bit loop.
const TABLES: Int32Array[] = [];
{
  const base = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    base[n] = c;
  }
  TABLES.push(base);
  for (let k = 1; k < 8; k++) {
    const previous = TABLES[k - 1]!;
    const table = new Int32Array(256);
    for (let n = 0; n < 256; n++) table[n] = base[previous[n]! & 0xff]! ^ (previous[n]! >>> 8);
    TABLES.push(table);
  }
}
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/** CRC-32 in JavaScript, slice-by-8 (what browsers and workers use). */
function crc32Js(bytes: Uint8Array, previous: number): number {
  let c = ~previous;
  const length = bytes.length;
  let i = 0;
  for (const end = length - (length & 7); i < end; i += 8) {
    const a = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c =
      T7[a & 0xff]! ^
      T6[(a >>> 8) & 0xff]! ^
      T5[(a >>> 16) & 0xff]! ^
      T4[a >>> 24]! ^
      T3[bytes[i + 4]!]! ^
      T2[bytes[i + 5]!]! ^
      T1[bytes[i + 6]!]! ^
      T0[bytes[i + 7]!]!;
  }
  for (; i < length; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;

/**
 * Node's own `zlib.crc32` (Node 20.15+, 22.2+) when this runs in Node, found
 * at run time through `process.getBuiltinModule` so that nothing here imports
 * a Node module (browsers and workers get the JavaScript one).
 */
function nativeCrc32(proc: NodeProcess): NativeCrc32 | undefined {
  try {
    const zlib = proc.getBuiltinModule?.('node:zlib') as { crc32?: NativeCrc32 } | undefined;
    const native = zlib?.crc32;
    // Checked against the known value before it is trusted.
    return typeof native === 'function' && native(new TextEncoder().encode('123456789')) === 0xcbf43926 ? native : undefined;
  } catch {
    return undefined;
  }
}

type NodeProcess = { getBuiltinModule?: (name: string) => unknown };
// Browser bundles define `globalThis.process` as undefined: the check folds away with the Node path.
const proc = (globalThis as { process?: NodeProcess }).process;
const native = proc === undefined ? undefined : nativeCrc32(proc);
// Below this, a call into C++ costs more than the table loop.
const NATIVE_FROM_BYTES = 64;

/**
 * CRC-32 (IEEE 802.3, the zlib one) of `bytes`, continuing from `previous`
 * so a body can be checked chunk by chunk as it streams in.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (native !== undefined && bytes.length >= NATIVE_FROM_BYTES) return native(bytes, previous) >>> 0;
  return crc32Js(bytes, previous);
}

/** @internal The JavaScript implementation alone, for tests in Node. */
export const crc32JavaScript = (bytes: Uint8Array, previous = 0): number => crc32Js(bytes, previous);
