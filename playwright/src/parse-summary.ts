import type { DeliverySummary } from './visit-metrics.ts';

/**
 * Reads a `cache-digest-push` value (`mode=…; digest=…; pushed=…;
 * skipped=…; bytes=…`, possibly followed by more fields); null when the
 * value is absent or not one.
 */
export function parseSummary(value: string | null | undefined): DeliverySummary | null {
  const match = /^\s*mode=([\w-]+); digest=(\d+); pushed=(\d+); skipped=(\d+); bytes=(\d+)(?:;|$)/.exec(value ?? '');
  if (!match) return null;
  return { mode: match[1]!, digest: Number(match[2]), pushed: Number(match[3]), skipped: Number(match[4]), bytes: Number(match[5]) };
}
