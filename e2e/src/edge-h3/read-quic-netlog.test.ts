import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQuicNetLog } from './read-quic-netlog.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'quic-netlog-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The shape Chromium writes: event types and phases by number, times as tick strings plus an epoch offset.
const types = { QUIC_SESSION: 10, QUIC_SESSION_ZERO_RTT_STATE: 11, QUIC_SESSION_PACKET_LOST: 12, OTHER: 13 };
const event = (type: number, time: number, source: number, phase = 0, params?: Record<string, unknown>) => ({ type, time: String(time), phase, source: { id: source, type: 1 }, ...(params ? { params } : {}) });
const netLog = {
  constants: { timeTickOffset: '1000000', logEventTypes: types, logEventPhase: { PHASE_BEGIN: 1, PHASE_END: 2, PHASE_NONE: 0 } },
  events: [
    event(types.QUIC_SESSION, 100, 7, 1, { host: 'localhost', port: 4433, require_confirmation: false }),
    event(types.QUIC_SESSION_ZERO_RTT_STATE, 150, 7, 0, { state: 'AttemptedAndSucceeded' }),
    event(types.QUIC_SESSION, 500, 9, 1, { host: 'localhost', port: 5555, require_confirmation: false }),
    event(types.QUIC_SESSION, 600, 8, 1, { host: 'localhost', port: 4433, require_confirmation: true }),
    event(types.QUIC_SESSION_PACKET_LOST, 900, 8, 0, { packet_number: 2 }),
    event(types.QUIC_SESSION_ZERO_RTT_STATE, 901, 9, 0, { state: 'AttemptedAndRejected' }),
    event(types.QUIC_SESSION_ZERO_RTT_STATE, 902, 8, 0, { state: 'NotAttempted' }),
  ],
};

describe('readQuicNetLog', () => {
  it("returns the first QUIC session to the port since a time: Chromium's 0-RTT state, held requests, lost packets", async () => {
    const file = path.join(dir, 'netlog.json');
    await writeFile(file, JSON.stringify(netLog));
    expect(await readQuicNetLog(file, 4433, 1_000_000)).toEqual({ requireConfirmation: false, zeroRttState: 'AttemptedAndSucceeded', packetsLost: 0 });
    expect(await readQuicNetLog(file, 4433, 1_000_200)).toEqual({ requireConfirmation: true, zeroRttState: 'NotAttempted', packetsLost: 1 });
    expect(await readQuicNetLog(file, 4433, 1_001_000)).toBeUndefined();
    // A file cut short (the browser did not close) or missing: nothing, not a crash.
    await writeFile(file, JSON.stringify(netLog).slice(0, 200));
    expect(await readQuicNetLog(file, 4433, 0)).toBeUndefined();
    expect(await readQuicNetLog(path.join(dir, 'missing.json'), 4433, 0)).toBeUndefined();
  });
});
