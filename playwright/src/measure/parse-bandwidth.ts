import { MeasureError } from './measure-error.ts';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kbit: 1000 / 8,
  mbit: 1000 ** 2 / 8,
  gbit: 1000 ** 3 / 8,
};

/** `5mbit`, `500kbit`, `2mb` or a plain number of bytes per second, to bytes per second. */
export function parseBandwidth(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)(?:\/s|ps)?$/i.exec(text.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const value = match && unit ? Number(match[1]) * unit : NaN;
  if (!(value > 0) || !Number.isFinite(value)) throw new MeasureError(`--bandwidth: "${text}" is not a rate such as 5mbit, 500kbit or 625000`);
  return Math.round(value);
}
