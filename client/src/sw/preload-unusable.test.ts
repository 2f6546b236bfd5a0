import { describe, expect, it } from 'vitest';
import { sniffPageBody, withoutPreloadLinks } from './preload-unusable.ts';

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

describe('withoutPreloadLinks', () => {
  const page = (link?: string) => new Response('<p>page', { status: 200, headers: { 'content-type': 'text/html', ...(link ? { link } : {}) } });

  it('drops preload and modulepreload entries, keeps the others, the status and the body', async () => {
    const response = withoutPreloadLinks(
      page('</a.css>; rel=preload; as=style, </b.js>; rel="modulepreload", <https://cdn.example>; rel=preconnect, </x,y.js>; rel=preload; as=script'),
    );
    expect(response.headers.get('link')).toBe('<https://cdn.example>; rel=preconnect');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe('<p>page');
  });

  it('removes the header when only preloads were in it; leaves other responses as they are', () => {
    expect(withoutPreloadLinks(page('</a.css>; rel=preload; as=style')).headers.has('link')).toBe(false);
    const plain = page();
    expect(withoutPreloadLinks(plain)).toBe(plain);
  });
});
