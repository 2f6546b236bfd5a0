import { describe, expect, it } from 'vitest';
import { insertLoaderTag, loaderTag } from './insert-loader-tag.ts';

const LOADER = '/cache-digest.js';
const TAG = loaderTag(LOADER);
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | null) => (data === null ? null : new TextDecoder().decode(data));

describe('insertLoaderTag', () => {
  it('inserts the tag just before the first </head>, whatever its case', () => {
    expect(text(insertLoaderTag(bytes('<html><head><title>x</title></head><body></body></html>'), LOADER))).toBe(
      `<html><head><title>x</title>${TAG}</head><body></body></html>`,
    );
    expect(text(insertLoaderTag(bytes('<HEAD><title>x</title></HEAD >'), LOADER))).toBe(`<HEAD><title>x</title>${TAG}</HEAD >`);
  });

  it('falls back to before <body when there is no </head>', () => {
    expect(text(insertLoaderTag(bytes('<!doctype html><title>x</title><body class="a">hi'), LOADER))).toBe(`<!doctype html><title>x</title>${TAG}<body class="a">hi`);
    expect(text(insertLoaderTag(bytes('<title>x</title><BODY>hi'), LOADER))).toBe(`<title>x</title>${TAG}<BODY>hi`);
  });

  it('tags documents that write neither </head> nor <body> (both optional) where the parser opens the head', () => {
    // After <head>, else <html>, else the doctype (never before it: that would mean quirks mode), else the start.
    expect(text(insertLoaderTag(bytes('<!DOCTYPE html><html lang="en"><head><title>a</title><p>b'), LOADER))).toBe(
      `<!DOCTYPE html><html lang="en"><head>${TAG}<title>a</title><p>b`,
    );
    expect(text(insertLoaderTag(bytes('<!doctype html>\n<html lang=en>\n<title>a</title><p>b'), LOADER))).toBe(
      `<!doctype html>\n<html lang=en>${TAG}\n<title>a</title><p>b`,
    );
    expect(text(insertLoaderTag(bytes('<!doctype html><title>about</title><p>no head, no body'), LOADER))).toBe(
      `<!doctype html>${TAG}<title>about</title><p>no head, no body`,
    );
    expect(text(insertLoaderTag(bytes('<headline></header><bodyguard>'), LOADER))).toBe(`${TAG}<headline></header><bodyguard>`);
    // A byte order mark stays first (TextDecoder would hide it: compare bytes).
    expect([...insertLoaderTag(bytes('\u{feff}<p>hi'), LOADER)!]).toEqual([...bytes(`\u{feff}${TAG}<p>hi`)]);
    // Still none when the loader is already there.
    expect(insertLoaderTag(bytes(`<!doctype html><script src="/cache-digest.js"></script><p>x`), LOADER)).toBeNull();
  });

  it('leaves pages that already load the loader alone, however the tag is written', () => {
    for (const tag of [
      '<script src="/cache-digest.js" async></script>',
      "<script async src='/cache-digest.js?v=2'></script>",
      '<SCRIPT defer SRC=/cache-digest.js></SCRIPT>',
      '<script type="text/javascript" src="https://example.com/cache-digest.js"></script>',
      '<script src="cache-digest.js"></script>',
    ]) {
      expect(insertLoaderTag(bytes(`<html><head>${tag}</head></html>`), LOADER), tag).toBeNull();
    }
    // Not the loader: another script whose name merely contains it, or a link to it.
    for (const other of ['<script src="/my-cache-digest.jsx"></script>', '<link rel="preload" href="/cache-digest.js">', '<script>/* /cache-digest.js */</script>']) {
      expect(text(insertLoaderTag(bytes(`<head>${other}</head>`), LOADER)), other).toBe(`<head>${other}${TAG}</head>`);
    }
  });

  it('keeps every other byte as it was (UTF-8 text, binary-looking bytes)', () => {
    const before = bytes('<head><title>café ☕ 日本</title>');
    const after = bytes('</head><body>\u00ff\u0000</body>');
    const result = insertLoaderTag(new Uint8Array([...before, ...after]), LOADER)!;
    expect(Buffer.from(result).equals(Buffer.concat([before, bytes(TAG), after]))).toBe(true);
    // A view into a larger buffer is read from its own offset.
    const big = new Uint8Array([1, 2, 3, ...bytes('<head></head>'), 4]);
    expect(text(insertLoaderTag(big.subarray(3, big.length - 1), LOADER))).toBe(`<head>${TAG}</head>`);
  });

  it('copes with hostile pages: many unclosed script tags, no closing >, pages over 4 MiB', () => {
    const unclosed = '<script src=x '.repeat(100_000);
    expect(text(insertLoaderTag(bytes(`<head>${unclosed}</head>`), LOADER))).toBe(`<head>${unclosed}${TAG}</head>`);
    const manyOpen = `<head>${'<script'.repeat(200_000)}>`;
    expect(text(insertLoaderTag(bytes(manyOpen), LOADER)) === manyOpen.replace('<head>', `<head>${TAG}`)).toBe(true);
    expect(insertLoaderTag(new Uint8Array(4 * 1024 * 1024 + 1).fill(0x20), LOADER)).toBeNull();
  });
});
