import type { VisitMetrics } from './visit-metrics.ts';

/**
 * The visit with the median load time of several runs (the lower middle one
 * for an even count), so every figure of the result comes from one real visit.
 */
export function medianVisit<T extends Pick<VisitMetrics, 'loadMs'>>(visits: readonly T[]): T {
  if (visits.length === 0) throw new RangeError('medianVisit needs at least one visit');
  const sorted = [...visits].sort((a, b) => a.loadMs - b.loadMs);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
