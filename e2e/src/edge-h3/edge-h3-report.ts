/** The two ways to the edge the `--edge h3` profile compares. */
export type EdgePath = 'h3' | 'h2';

/** One measured returning visit through Caddy. */
export interface EdgeVisit {
  path: EdgePath;
  run: number;
  /** Emulated RTT of the visit (0 for the floor). */
  rttMs: number;
  ttfbMs: number;
  loadMs: number;
  /** `nextHopProtocol` the page saw. */
  protocol: string;
  /** `cache-digest-push` of the page response. */
  summary: string;
  /** HTTP/3: the first flight held a 0-RTT packet (the relay saw one). */
  zeroRttSent?: boolean;
  /** HTTP/3: the page request reached Caddy with the first flight (less than half an RTT after it): 0-RTT carried it and the server took it. */
  requestInZeroRtt?: boolean;
  /** HTTP/3: part of the first flight was sent again before the server's handshake came back. */
  firstFlightResent?: boolean;
  /** HTTP/3: ms from the first datagram to the page request at Caddy, less the one-way delay. */
  requestWaitMs?: number;
  /** HTTP/3, from Chromium's NetLog: its 0-RTT state for the connection (`AttemptedAndSucceeded`, …). */
  zeroRttState?: string;
  /** HTTP/3, from Chromium's NetLog: the connection held requests until the handshake was confirmed (QUIC marked recently broken). */
  heldForConfirmation?: boolean;
  /** HTTP/3, from Caddy's quic-go debug log when enabled: the server dropped part of the first flight ("Not adding connection ID"). */
  serverDroppedInitial?: boolean;
}

/** Medians of one path at the measured RTT. */
export interface EdgeRow {
  name: string;
  path: EdgePath;
  runs: number;
  ttfbMs: number;
  ttfbRtt: number;
  loadMs: number;
  loadRtt: number;
  /** Median load at RTT 0 (processing, worker start-up, transfer on loopback), when measured. */
  floorMs: number | null;
  /** (load − floor) / RTT: the round trips the visit waited. */
  extraRtt: number | null;
}

/** What the profile reports. */
export interface EdgeSummary {
  rttMs: number;
  rows: EdgeRow[];
  /** Shares of the HTTP/3 visits (0..1). */
  zeroRttSentShare: number;
  zeroRttUsedShare: number;
  resentShare: number;
  /** Share of HTTP/3 visits whose connection Chromium held until the handshake was confirmed. */
  heldShare: number;
  /** Target: the HTTP/3 page complete within 1.5 RTT + transfer (extra round trips ≤ 1.5). */
  target: { extraRttAtMost: number; met: boolean | null };
}

const TARGET_EXTRA_RTT = 1.5;

/** Median of a non-empty list. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const share = (list: EdgeVisit[], test: (visit: EdgeVisit) => boolean): number => (list.length ? list.filter(test).length / list.length : 0);
const round2 = (value: number): number => Math.round(value * 100) / 100;

/**
 * Medians per path in ms and in RTTs, the round trips beyond the RTT-0
 * floor (floor visits whose first flight was resent left out when others
 * exist), and the HTTP/3 shares: 0-RTT sent, 0-RTT carrying the request,
 * first flight resent, held until the handshake was confirmed. `visits` holds the measured visits, `floorVisits`
 * the same visits at RTT 0.
 */
export function summariseEdgeVisits(rttMs: number, visits: EdgeVisit[], floorVisits: EdgeVisit[] = []): EdgeSummary {
  const rows: EdgeRow[] = [];
  const names: Record<EdgePath, string> = { h3: 'HTTP/3 via Caddy (QUIC, 0-RTT)', h2: 'HTTP/2 via Caddy (TCP, TLS 1.3)' };
  for (const path of ['h3', 'h2'] as const) {
    const list = visits.filter((visit) => visit.path === path);
    if (list.length === 0) continue;
    const floors = floorVisits.filter((visit) => visit.path === path);
    const ttfb = median(list.map((visit) => visit.ttfbMs));
    const load = median(list.map((visit) => visit.loadMs));
    // A floor visit whose first flight was resent measured a loss timer, not the transfer.
    const clean = floors.filter((visit) => !visit.firstFlightResent);
    const floorMs = floors.length ? median((clean.length ? clean : floors).map((visit) => visit.loadMs)) : null;
    rows.push({
      name: names[path],
      path,
      runs: list.length,
      ttfbMs: Math.round(ttfb),
      ttfbRtt: round2(ttfb / rttMs),
      loadMs: Math.round(load),
      loadRtt: round2(load / rttMs),
      floorMs: floorMs === null ? null : Math.round(floorMs),
      extraRtt: floorMs === null ? null : round2(Math.max(0, load - floorMs) / rttMs),
    });
  }
  const h3 = visits.filter((visit) => visit.path === 'h3');
  const h3Row = rows.find((row) => row.path === 'h3');
  // What HTTP/3 gives when 0-RTT carries the request (no lost first-flight half, no held request).
  const carried = h3.filter((visit) => visit.requestInZeroRtt === true);
  if (h3Row && carried.length > 0 && carried.length < h3.length) {
    const ttfb = median(carried.map((visit) => visit.ttfbMs));
    const load = median(carried.map((visit) => visit.loadMs));
    rows.push({
      ...h3Row,
      name: 'HTTP/3, only the visits whose request 0-RTT carried',
      runs: carried.length,
      ttfbMs: Math.round(ttfb),
      ttfbRtt: round2(ttfb / rttMs),
      loadMs: Math.round(load),
      loadRtt: round2(load / rttMs),
      extraRtt: h3Row.floorMs === null ? null : round2(Math.max(0, load - h3Row.floorMs) / rttMs),
    });
  }
  return {
    rttMs,
    rows,
    zeroRttSentShare: share(h3, (visit) => visit.zeroRttSent === true),
    zeroRttUsedShare: share(h3, (visit) => visit.requestInZeroRtt === true),
    resentShare: share(h3, (visit) => visit.firstFlightResent === true),
    heldShare: share(h3, (visit) => visit.heldForConfirmation === true),
    target: { extraRttAtMost: TARGET_EXTRA_RTT, met: h3Row?.extraRtt == null ? null : h3Row.extraRtt <= TARGET_EXTRA_RTT },
  };
}

const percent = (value: number): string => `${Math.round(value * 100)}%`;

/** The profile's results as markdown: the table, the shares, the per-visit lines. */
export function edgeMarkdown(summary: EdgeSummary, visits: EdgeVisit[], notes: string[]): string {
  const lines = [
    `## Edge profile: returning visitor after a JS deploy, RTT ${summary.rttMs} ms, through Caddy (medians)`,
    '',
    'Connections closed and the worker stopped before each visit; fresh profile per run, primed on the previous build.',
    '',
    '| path | runs | first byte ms | (RTT) | load ms | (RTT) | floor ms (RTT 0) | extra RTT |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...summary.rows.map((row) => `| ${row.name} | ${row.runs} | ${row.ttfbMs} | ${row.ttfbRtt} | ${row.loadMs} | ${row.loadRtt} | ${row.floorMs ?? '-'} | ${row.extraRtt ?? '-'} |`),
    '',
    `HTTP/3 visits: 0-RTT sent ${percent(summary.zeroRttSentShare)}, request carried by 0-RTT (reached Caddy with the first flight) ${percent(summary.zeroRttUsedShare)}, first flight resent ${percent(summary.resentShare)}, held by Chromium until the handshake was confirmed ${percent(summary.heldShare)}.`,
    `Target (HTTP/3 page complete within ${summary.target.extraRttAtMost} RTT + transfer): ${summary.target.met === null ? 'no floor measured' : summary.target.met ? 'met' : 'not met'}.`,
    '',
    '| run | path | first byte ms | load ms | protocol | 0-RTT sent | request in 0-RTT | first flight resent | request waited ms | Chromium 0-RTT state | held for handshake | delivery |',
    '| ---: | --- | ---: | ---: | --- | --- | --- | --- | ---: | --- | --- | --- |',
    ...visits.map(
      (visit) =>
        `| ${visit.run} | ${visit.path} | ${Math.round(visit.ttfbMs)} | ${Math.round(visit.loadMs)} | ${visit.protocol || '-'} | ${yesNo(visit.zeroRttSent)} | ${yesNo(visit.requestInZeroRtt)} | ${yesNo(visit.firstFlightResent)} | ${visit.requestWaitMs ?? '-'} | ${visit.zeroRttState || '-'} | ${yesNo(visit.heldForConfirmation)} | ${visit.summary.split(';').slice(0, 3).join(';') || '-'} |`,
    ),
    ...(notes.length ? ['', ...notes] : []),
  ];
  return `${lines.join('\n')}\n`;
}

const yesNo = (value: boolean | undefined): string => (value === undefined ? '-' : value ? 'yes' : 'no');
