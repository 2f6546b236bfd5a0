import { describe, expect, it } from 'vitest';
import { PushStreamReader } from './push-stream-reader.ts';
import { PushStreamWriter } from './push-stream-writer.ts';
import { rawFrame } from './test-support/raw-frame.ts';

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

describe('delta parts (HEAD field delta-base)', () => {
  const withHead = (json: unknown) =>
    concat([Uint8Array.of(0x43, 0x44, 0x50, 0x53, 0x01), rawFrame(1, 1, new TextEncoder().encode(JSON.stringify(json))), rawFrame(4, 1, new Uint8Array(0)), rawFrame(0x0f, 0, Uint8Array.of(0, 1))]);

  it('round-trips the base; END checks the bytes as sent, not the decoded content-length', () => {
    const writer = new PushStreamWriter();
    const delta = Uint8Array.of(1, 2, 3);
    const bytes = concat([writer.part(1, { url: '/a-2.js', status: 200, headers: { 'content-length': '900' }, role: 'asset', deltaBase: '/a-1.js' }, delta), writer.fin()]);
    expect(new TextDecoder().decode(bytes)).toContain('"delta-base":"/a-1.js"');
    const events = [...new PushStreamReader().push(bytes)];
    expect(events[0]).toMatchObject({ type: 'head', url: '/a-2.js', deltaBase: '/a-1.js', headers: { 'content-length': '900' } });
    expect(events.find((event) => event.type === 'end')).toEqual({ type: 'end', part: 1, ok: true });
    // A plain part is unchanged: no field, and content-length still checked at END.
    const plain = new PushStreamWriter();
    const whole = concat([plain.part(1, { url: '/a-2.js', status: 200, headers: { 'content-length': '900' }, role: 'asset' }, delta), plain.fin()]);
    expect(new TextDecoder().decode(whole)).not.toContain('delta-base');
    expect([...new PushStreamReader().push(whole)].find((event) => event.type === 'end')).toEqual({ type: 'end', part: 1, ok: false });
  });

  it('a writer refuses, and a reader rejects (BAD_FRAME), a base that is not a same-origin path of a 200 asset part', () => {
    expect([...new PushStreamReader().push(withHead({ ...head('/a.js'), 'delta-base': '/b.js' }))][0]).toMatchObject({ type: 'head', deltaBase: '/b.js' });
    for (const deltaBase of ['https://evil.example/a.js', '//evil.example/a.js', 'a.js']) {
      expect(() => new PushStreamWriter().head(1, { ...head('/a.js'), deltaBase })).toThrow(/delta base/);
      expect(() => [...new PushStreamReader().push(withHead({ ...head('/a.js'), 'delta-base': deltaBase }))]).toThrow(/delta-base/);
    }
    expect(() => new PushStreamWriter().head(1, { ...head('/a.js'), status: 304, deltaBase: '/b.js' })).toThrow(/delta base/);
    expect(() => new PushStreamWriter().head(1, { ...head('/a.js'), role: 'page', deltaBase: '/b.js' })).toThrow(/delta base/);
    for (const bad of [{ ...head('/a.js'), 'delta-base': 7 }, { ...head('/a.js'), role: 'page', 'delta-base': '/b.js' }, { ...head('/a.js'), status: 304, 'delta-base': '/b.js' }]) {
      expect(() => [...new PushStreamReader().push(withHead(bad))]).toThrow(/delta-base/);
    }
  });
});
