import type { VisitMetrics } from './visit-metrics.ts';

/**
 * Extra round trips after the first byte: (load - TTFB - floor) / RTT, where
 * `floorAfterFirstByteMs` is the same visit's time after first byte at RTT 0
 * (what the browser and server spend anyway). Null at RTT 0.
 */
export function extraRoundTrips(visit: Pick<VisitMetrics, 'afterFirstByteMs' | 'rttMs'>, floorAfterFirstByteMs: number): number | null {
  if (!(visit.rttMs > 0)) return null;
  return (visit.afterFirstByteMs - floorAfterFirstByteMs) / visit.rttMs;
}

/** The visits with extraRoundTrips filled in from the given floor. */
export function withFloor<T extends VisitMetrics>(visits: readonly T[], floorAfterFirstByteMs: number): T[] {
  return visits.map((visit) => ({ ...visit, extraRoundTrips: extraRoundTrips(visit, floorAfterFirstByteMs) }));
}
