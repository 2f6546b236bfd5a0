import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { bufferedLog } from './buffered-log.ts';

/** A real Writable that records each write call it receives. */
function recordingStream(options: { stall?: boolean } = {}) {
  const writes: string[] = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      // A stalled destination never acknowledges: what is written stays buffered in the stream.
      if (!options.stall) done();
    },
  });
  return { stream, writes };
}

describe('bufferedLog', () => {
  it('writes every line of one event-loop turn in one call, in order, after the turn', async () => {
    const { stream, writes } = recordingStream();
    const log = bufferedLog(stream);
    for (let i = 0; i < 300; i++) log.write(`line ${i}`);
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.split('\n').slice(0, -1)).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i}`));
    log.write('later');
    log.flush();
    expect(writes[1]).toBe('later\n');
  });

  it('drops and counts lines instead of growing when the destination stays backed up', async () => {
    const { stream, writes } = recordingStream({ stall: true });
    const log = bufferedLog(stream, { maxBufferedBytes: 10_000 });
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 100; i++) log.write('x'.repeat(99));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // 200,000 bytes offered, at most the bound (plus one turn's batch) accepted.
    expect(stream.writableLength).toBeLessThanOrEqual(10_000 + 100 * 100);
    expect(log.dropped).toBeGreaterThan(1000);
    expect(writes.length).toBeGreaterThan(0);
  });
});
