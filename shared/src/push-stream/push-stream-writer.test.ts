import { describe, expect, it } from 'vitest';
import { PushStreamReader } from './push-stream-reader.ts';
import { PushStreamWriter } from './push-stream-writer.ts';

const head = (url: string) => ({ url, status: 200, headers: { 'content-type': 'text/css' }, role: 'asset' as const });
const concat = (chunks: Uint8Array[]) => Uint8Array.from(chunks.flatMap((chunk) => [...chunk]));

describe('PushStreamWriter.part', () => {
  it('gives the bytes of head + data + end in one buffer, for bodies across frame boundaries, and a reader takes them', () => {
    for (const size of [0, 1, 63, 64, 65, 200]) {
      const body = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
      const joined = new PushStreamWriter({ maxDataFrameBytes: 64 });
      const apart = new PushStreamWriter({ maxDataFrameBytes: 64 });
      const one = concat([joined.part(1, head('/a.css'), body), joined.fin()]);
      const three = concat([apart.head(1, head('/a.css')), apart.data(1, body), apart.end(1), apart.fin()]);
      expect(one).toEqual(three);
      const reader = new PushStreamReader();
      const events = [...reader.push(one), ...reader.close()];
      const data = events.filter((event) => event.type === 'data').map((event) => (event as { bytes: Uint8Array }).bytes);
      expect(concat(data)).toEqual(body);
      expect(events.some((event) => event.type === 'end' && event.part === 1)).toBe(true);
      expect(events.at(-1)?.type).toBe('fin');
    }
  });

  it('refuses a part already opened, and leaves no part open after a whole part', () => {
    const writer = new PushStreamWriter();
    writer.part(1, head('/a.css'), new Uint8Array(3));
    expect(writer.openParts()).toEqual([]);
    expect(() => writer.part(1, head('/a.css'), new Uint8Array(3))).toThrow(/already opened/);
  });
});

describe('PushStreamWriter.dataHeader', () => {
  it('with its payload sent by the caller, gives the same bytes as data(), and END carries the combined length and CRC', async () => {
    const { crc32 } = await import('../crc32.ts');
    const body = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    const slices = [body.subarray(0, 64), body.subarray(64, 100), body.subarray(100)];
    const known = new PushStreamWriter({ maxDataFrameBytes: 256 });
    const plain = new PushStreamWriter({ maxDataFrameBytes: 256 });
    const a = [known.head(1, head('/a.css'))];
    const b = [plain.head(1, head('/a.css'))];
    for (const slice of slices) {
      a.push(known.dataHeader(1, slice.byteLength, crc32(slice)), slice);
      b.push(plain.data(1, slice));
    }
    a.push(known.end(1), known.fin());
    b.push(plain.end(1), plain.fin());
    expect(concat(a)).toEqual(concat(b));
  });

  it('refuses an empty or oversized frame, and a part that is not open', () => {
    const writer = new PushStreamWriter({ maxDataFrameBytes: 64 });
    writer.head(1, head('/a.css'));
    expect(() => writer.dataHeader(1, 0, 0)).toThrow(/DATA frame carries/);
    expect(() => writer.dataHeader(1, 65, 0)).toThrow(/DATA frame carries/);
    expect(() => writer.dataHeader(2, 1, 0)).toThrow(/not open/);
  });
});
