import { deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeDelta } from './delta-part.ts';

const text = (n: number, seed: string) => new TextEncoder().encode(Array.from({ length: n }, (_, i) => `export const ${seed}${i} = "${seed}:${i * 7}";\n`).join(''));

describe('decodeDelta', () => {
  it('decodes what zlib deflates with the base as dictionary, for bases below, at and above the 32 KiB window', async () => {
    for (const [base, body] of [
      [text(20, 'a'), text(22, 'a')],
      [new Uint8Array(0), text(10, 'b')],
      [text(3000, 'c'), text(3001, 'c')],
      [new Uint8Array(32 * 1024).fill(65), new Uint8Array(1000).fill(65)],
      [Buffer.concat([randomBytes(50_000), text(500, 'd')]), Buffer.concat([text(500, 'd'), randomBytes(100)])],
    ] as const) {
      const delta = deflateRawSync(body, { dictionary: base, level: 9 });
      const decoded = await decodeDelta(base, delta, 1 << 20);
      expect(Buffer.from(decoded).equals(Buffer.from(body))).toBe(true);
    }
    // The dictionary pays off: the delta of a small change is a fraction of the body deflated alone.
    const base = text(40, 'e');
    const body = text(41, 'e');
    expect(deflateRawSync(body, { dictionary: base }).length * 4).toBeLessThan(deflateRawSync(body).length);
  });

  it('rejects a wrong base or garbage, and bodies over the limit', async () => {
    const base = text(200, 'f');
    const body = text(201, 'f');
    const delta = deflateRawSync(body, { dictionary: base, level: 9 });
    // Another base decodes to other bytes (the caller's Content-Digest check refuses them), or fails.
    const other = await decodeDelta(text(200, 'g'), delta, 1 << 20).catch(() => undefined);
    expect(other === undefined || !Buffer.from(other).equals(Buffer.from(body))).toBe(true);
    await expect(decodeDelta(base, Uint8Array.of(0xff, 0xff, 0xff, 0xff), 1 << 20)).rejects.toThrow();
    await expect(decodeDelta(base, delta.subarray(0, delta.length - 3), 1 << 20)).rejects.toThrow();
    await expect(decodeDelta(base, delta, body.length - 1)).rejects.toThrow(/entry limit/);
    expect((await decodeDelta(base, delta, body.length)).length).toBe(body.length);
  });
});
