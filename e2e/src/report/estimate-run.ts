import type { NetworkProfile } from './results-schema.ts';

/** What the estimate needs to know of one (model, strategy) journey. */
export interface JourneyPlan {
  model: 'returning' | 'fresh-launch';
  client: 'chromium' | 'node-h2';
  serviceWorker: boolean;
  /** Scenarios measured (the others are visited at RTT 0). */
  measuredScenarios: number;
  /** Visits in the journey, measured or not (default 7: cold, warm's priming visit, warm, and four deploys). */
  visits?: number;
}

/** A `bench:e2e` run's shape: profiles, runs, the journeys measured and those of the RTT-0 floor. */
export interface RunPlan {
  profiles: readonly NetworkProfile[];
  runs: number;
  floorRuns: number;
  journeys: readonly JourneyPlan[];
  floorJourneys: readonly JourneyPlan[];
}

// Seconds, calibrated on the quiet run of e2e/results/latest.md (load average 1.4 to 3.2:
// returning visitor, baseline, workbox and digest through think-time, 20 min 11 s, against
// 21 min 40 s estimated): a browser's start and close; a visit's own cost at RTT 0 (load,
// render check, counters); the worker's settle after a visit (its Cache Storage polled until
// stable); a relaunch (fresh launch: the browser closed and started again on the profile,
// from a run at load ~12 scaled by the returning journeys' slow-down there); round trips a
// measured visit waits (the model's preparation, connection setup, page, assets; more when
// capped); the builds when the cache is cold. A loaded machine takes up to twice as long.
const BROWSER_S = 2;
const VISIT_S = 0.7;
const SETTLE_S = 0.7;
const FRESH_LAUNCH_S = 2.5;
const ROUND_TRIPS_PER_VISIT = 3.5;
const ROUND_TRIPS_PER_VISIT_CAPPED = 3.8;
const NODE_VISIT_S = 0.4;
const COLD_BUILDS_S = 60;
const JOURNEY_VISITS = 7; // cold, warm's priming visit, warm, and four deploys

/**
 * A rough wall-time estimate of a run on a quiet machine: every journey
 * visits every scenario up to the last one asked for (the unreported ones at
 * RTT 0), so its cost is its visits' own cost plus the round trips of the
 * measured ones. A run is one plan per visit model (each with its own
 * profiles, runs and floor), the builds shared. Printed before a run (and by
 * `--dry-run`) so a long run can be sized; the run prints its real wall time
 * at the end.
 */
export function estimateRunSeconds(plans: RunPlan | readonly RunPlan[]): { totalSeconds: number; detail: string } {
  const journeySeconds = (journey: JourneyPlan, rttMs: number, capped: boolean): number => {
    const measuredVisits = journey.measuredScenarios;
    const roundTrips = measuredVisits * (capped ? ROUND_TRIPS_PER_VISIT_CAPPED : ROUND_TRIPS_PER_VISIT);
    const visits = journey.visits ?? JOURNEY_VISITS;
    if (journey.client === 'node-h2') return visits * NODE_VISIT_S + (roundTrips * rttMs) / 1000;
    // No settle after the last visit.
    const perVisit = visits * VISIT_S + (journey.serviceWorker ? (visits - 1) * SETTLE_S : 0);
    const relaunches = journey.model === 'fresh-launch' ? measuredVisits * FRESH_LAUNCH_S : 0;
    return BROWSER_S + perVisit + relaunches + (roundTrips * rttMs) / 1000;
  };
  let measured = 0;
  let floor = 0;
  for (const plan of 'profiles' in plans ? [plans] : plans) {
    const caps = new Set<string>();
    for (const profile of plan.profiles) {
      const capped = profile.bandwidthBytesPerSecond !== null;
      for (const journey of plan.journeys) measured += plan.runs * journeySeconds(journey, profile.rttMs, capped);
      const cap = String(profile.bandwidthBytesPerSecond ?? 'none');
      if (caps.has(cap)) continue;
      caps.add(cap);
      for (const journey of plan.floorJourneys) floor += plan.floorRuns * journeySeconds(journey, 0, capped);
    }
  }
  return {
    totalSeconds: COLD_BUILDS_S + measured + floor,
    detail: `measured ${formatDuration(measured)}, floor ${formatDuration(floor)}, builds up to ${formatDuration(COLD_BUILDS_S)} (none when cached)`,
  };
}

/** `4 min 05 s` or `38 s`. */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}
