/** A satisfiable byte range, inclusive bounds. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The outcome of reading a Range header: no usable range (serve 200), a range (206), or unsatisfiable (416). */
export type RangeResult = { kind: 'none' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

const MAX_RANGE_HEADER = 256;

/**
 * Interprets a Range header against a representation of `size` bytes. Only a
 * single `bytes=` range is honoured; several ranges, other units or malformed
 * values are ignored (a full 200), as RFC 9110 §14.2 permits.
 */
export function parseRange(header: string | string[] | undefined, size: number): RangeResult {
  if (header === undefined || Array.isArray(header)) return { kind: 'none' };
  if (header.length > MAX_RANGE_HEADER) return { kind: 'none' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'none' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'none' };
  if (first === '') {
    // Suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start)) return { kind: 'unsatisfiable' };
  if (start >= size) return { kind: 'unsatisfiable' };
  let end = last === '' ? size - 1 : Number(last);
  if (!Number.isSafeInteger(end) || end >= size) end = size - 1;
  if (end < start) return { kind: 'none' };
  return { kind: 'range', range: { start, end } };
}
