// Slice-by-8 tables, eight of 256 entries in one array: T[256 * k + b] is the CRC of byte b followed by k zero
// bytes (table k + 1 advances table k by one zero byte), so eight input bytes cost eight lookups and no per-bit loop.
const T = new Int32Array(2048);
for (let n = 0; n < 2048; n++) {
  let c = n;
  if (n < 256) for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  else c = T[T[n - 256]! & 0xff]! ^ (T[n - 256]! >>> 8);
  T[n] = c;
}

/** CRC-32 in JavaScript, slice-by-8 (what browsers and workers use). */
function crc32Js(bytes: Uint8Array, previous: number): number {
  let c = ~previous;
  const length = bytes.length;
  let i = 0;
  for (const end = length - (length & 7); i < end; i += 8) {
    const a = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + bytes[i + 4]!]! ^
      T[512 + bytes[i + 5]!]! ^
      T[256 + bytes[i + 6]!]! ^
      T[bytes[i + 7]!]!;
  }
  for (; i < length; i++) c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
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
