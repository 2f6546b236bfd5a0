import { readFile } from 'node:fs/promises';

/** What Chromium's NetLog says about the QUIC connection a visit opened. */
export interface QuicSessionFacts {
  /**
   * The connection held its requests until the handshake was confirmed:
   * Chromium does this once QUIC for the origin was marked "recently broken"
   * (a QUIC job failed), and then 0-RTT carries only the HTTP/3 SETTINGS.
   */
  requireConfirmation: boolean;
  /** Chromium's `QUIC_SESSION_ZERO_RTT_STATE`: `AttemptedAndSucceeded`, `AttemptedAndRejected`, `NotAttempted`, or '' when not logged. */
  zeroRttState: string;
  /** Packets the connection declared lost (a resent ClientHello half shows here). */
  packetsLost: number;
}

interface NetLog {
  constants: { timeTickOffset: string | number; logEventTypes: Record<string, number>; logEventPhase: Record<string, number> };
  events: Array<{ type: number; time: string; phase: number; source: { id: number }; params?: Record<string, unknown> }>;
}

/**
 * Reads a NetLog file (`--log-net-log`, written when the browser closes) and
 * returns the facts of the first QUIC session to `port` that began at or
 * after `sinceMs` (epoch ms), or undefined when there is none or the file is
 * unreadable.
 */
export async function readQuicNetLog(file: string, port: number, sinceMs: number): Promise<QuicSessionFacts | undefined> {
  let log: NetLog;
  try {
    log = JSON.parse(await readFile(file, 'utf8')) as NetLog;
  } catch {
    return undefined;
  }
  const type = log.constants.logEventTypes;
  const begin = log.constants.logEventPhase['PHASE_BEGIN'];
  const offset = Number(log.constants.timeTickOffset);
  let session: number | undefined;
  const facts: QuicSessionFacts = { requireConfirmation: false, zeroRttState: '', packetsLost: 0 };
  for (const event of log.events) {
    if (session === undefined) {
      if (event.type === type['QUIC_SESSION'] && event.phase === begin && event.params?.['port'] === port && Number(event.time) + offset >= sinceMs) {
        session = event.source.id;
        facts.requireConfirmation = event.params?.['require_confirmation'] === true;
      }
      continue;
    }
    if (event.source.id !== session) continue;
    if (event.type === type['QUIC_SESSION_ZERO_RTT_STATE']) facts.zeroRttState = String(event.params?.['state'] ?? '');
    if (event.type === type['QUIC_SESSION_PACKET_LOST']) facts.packetsLost++;
  }
  return session === undefined ? undefined : facts;
}
