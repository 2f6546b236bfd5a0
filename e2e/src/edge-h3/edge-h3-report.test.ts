import { describe, expect, it } from 'vitest';
import { edgeMarkdown, summariseEdgeVisits, type EdgeVisit } from './edge-h3-report.ts';

const visit = (path: 'h3' | 'h2', loadMs: number, extra: Partial<EdgeVisit> = {}): EdgeVisit => ({ path, run: 1, rttMs: 100, ttfbMs: loadMs - 60, loadMs, protocol: path, summary: 'mode=stream; digest=31; pushed=3', ...extra });

describe('summariseEdgeVisits', () => {
  it('gives medians per path in ms and RTTs, round trips beyond the floor, and the HTTP/3 shares', () => {
    const visits = [
      visit('h3', 180, { zeroRttSent: true, requestInZeroRtt: true, firstFlightResent: false }),
      visit('h3', 420, { zeroRttSent: true, requestInZeroRtt: false, firstFlightResent: true, heldForConfirmation: true }),
      visit('h3', 200, { zeroRttSent: true, requestInZeroRtt: true, firstFlightResent: false }),
      visit('h3', 390, { zeroRttSent: false, requestInZeroRtt: false, firstFlightResent: false }),
      visit('h2', 400),
      visit('h2', 420),
    ];
    const floors = [visit('h3', 60, { rttMs: 0 }), visit('h3', 80, { rttMs: 0 }), visit('h3', 300, { rttMs: 0, firstFlightResent: true }), visit('h2', 90, { rttMs: 0 })];
    const summary = summariseEdgeVisits(100, visits, floors);
    expect(summary.rows).toEqual([
      { name: 'HTTP/3 via Caddy (QUIC, 0-RTT)', path: 'h3', runs: 4, ttfbMs: 235, ttfbRtt: 2.35, loadMs: 295, loadRtt: 2.95, floorMs: 70, extraRtt: 2.25 },
      { name: 'HTTP/2 via Caddy (TCP, TLS 1.3)', path: 'h2', runs: 2, ttfbMs: 350, ttfbRtt: 3.5, loadMs: 410, loadRtt: 4.1, floorMs: 90, extraRtt: 3.2 },
      { name: 'HTTP/3, only the visits whose request 0-RTT carried', path: 'h3', runs: 2, ttfbMs: 130, ttfbRtt: 1.3, loadMs: 190, loadRtt: 1.9, floorMs: 70, extraRtt: 1.2 },
    ]);
    expect(summary).toMatchObject({ zeroRttSentShare: 0.75, zeroRttUsedShare: 0.5, resentShare: 0.25, heldShare: 0.25, target: { extraRttAtMost: 1.5, met: false } });
    expect(summariseEdgeVisits(100, visits.slice(0, 1), floors).target.met).toBe(true);
    // Without a floor the target cannot be judged.
    expect(summariseEdgeVisits(100, visits).target.met).toBeNull();
    const markdown = edgeMarkdown(summary, visits, ['note']);
    expect(markdown).toContain('| HTTP/3 via Caddy (QUIC, 0-RTT) | 4 | 235 | 2.35 | 295 | 2.95 | 70 | 2.25 |');
    expect(markdown).toContain('0-RTT sent 75%, request carried by 0-RTT (reached Caddy with the first flight) 50%, first flight resent 25%, held by Chromium until the handshake was confirmed 25%');
    expect(markdown).toContain('| 1 | h2 | 340 | 400 | h2 | - | - | - | - | - | - | mode=stream; digest=31; pushed=3 |');
  });
});
