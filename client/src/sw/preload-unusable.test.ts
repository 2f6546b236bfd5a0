import { describe, expect, it } from 'vitest';
import { sniffPageBody } from './preload-unusable.ts';

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

async function sniff(...chunks: string[]): Promise<{ text: string; isPage: boolean }> {
  const sniffed = sniffPageBody(streamOf(...chunks));
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await new Response(sniffed.body).arrayBuffer());
  return { text, isPage: sniffed.isPage() };
}

describe('sniffPageBody', () => {
  it('passes the body through unchanged and tells an HTML page (after BOM and whitespace, across chunks)', async () => {
    expect(await sniff('<!doctype html><p>x')).toEqual({ text: '<!doctype html><p>x', isPage: true });
    expect(await sniff('\uFEFF', ' \n', '\t<html>')).toEqual({ text: '\uFEFF \n\t<html>', isPage: true });
  });

  it('a push stream, a corrupt one, or an empty or blank body is not a page', async () => {
    expect((await sniff('CDPS\u0001\u0001\u0000')).isPage).toBe(false);
    expect((await sniff('\u0000\u00ff<html>')).isPage).toBe(false);
    expect((await sniff()).isPage).toBe(false);
    expect((await sniff('  \n')).isPage).toBe(false);
  });
});
