import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanCss } from './css-scanner.ts';
import { decodeEntities, scanHtml } from './html-scanner.ts';
import { scanModuleImports } from './js-import-scanner.ts';
import { pageReferences, parseSrcset } from './page-references.ts';

describe('scanHtml', () => {
  it('reads start tags and attributes the way a browser tokenizer does', () => {
    const elements = scanHtml(
      `<!doctype html><!-- <link href="/c.css"> --><LINK REL=Stylesheet HREF='/a.css?x=1&amp;y=2'>` +
        `<img alt="a > b" src=/i.png data-x><div title='"'>x</div><script src="/s.js"></script>`,
    );
    expect(elements.map((e) => e.name)).toEqual(['link', 'img', 'div', 'script']);
    expect(elements[0]!.attributes.get('rel')).toBe('Stylesheet');
    expect(elements[0]!.attributes.get('href')).toBe('/a.css?x=1&y=2');
    expect(elements[1]!.attributes.get('src')).toBe('/i.png');
    expect(elements[1]!.attributes.get('alt')).toBe('a > b');
    expect(elements[1]!.attributes.has('data-x')).toBe(true);
  });

  it('does not see tags inside script, style, textarea, noscript or template', () => {
    const elements = scanHtml(
      `<script>const s = "<img src='/no1.png'>";</script><style>a::after{content:"<img src=/no2.png>"}</style>` +
        `<textarea><img src=/no3.png></textarea><noscript><img src=/no4.png></noscript>` +
        `<template><img src=/no5.png></template><SCRIPT>x</SCRIPT ><img src=/yes.png>`,
    );
    const images = elements.filter((e) => e.name === 'img').map((e) => e.attributes.get('src'));
    expect(images).toEqual(['/yes.png']);
    expect(elements[0]!.text).toBe(`const s = "<img src='/no1.png'>";`);
  });

  it('decodes character references', () => {
    expect(decodeEntities('a&amp;b&#47;c&#x2F;d&lt;&unknown;')).toBe('a&b/c/d<&unknown;');
  });

  it('never throws and stays linear on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '!', '-', '/', 'a', 'script', '"', "'", '=', ' ', 'src') }), (html) => {
        expect(Array.isArray(scanHtml(html))).toBe(true);
      }),
      { numRuns: 500 },
    );
    const big = '<img src=/a.png>'.repeat(20_000) + '<script>x</script>'.repeat(2000);
    expect(scanHtml(big).length).toBe(22_000);
    // An unclosed <script> swallows the rest of the document, as in a browser.
    expect(scanHtml('<script><img src=/a.png>'.repeat(3)).length).toBe(1);
  });
});

describe('pageReferences', () => {
  it('keeps what a page loads and drops alternates, data blocks and nomodule fallbacks', () => {
    const { base, references } = pageReferences(
      scanHtml(
        `<base href="/b/"><link rel="alternate stylesheet" href="alt.css"><link rel=stylesheet href=a.css disabled>` +
          `<link rel="preload" as="font" href="f.woff2"><link rel=preload as=video href=v.mp4><link rel="shortcut icon" href=i.ico>` +
          `<script type="importmap">{}</script><script type=module src=m.js></script><script nomodule src=n.js></script>` +
          `<script type="text/template" src=t.js></script><img srcset="x.png 2x, y.png 1x">`,
      ),
    );
    expect(base).toBe('/b/');
    expect(references.map((r) => (r.kind === 'asset' ? `${r.as}:${r.url}` : r.kind))).toEqual([
      'font:f.woff2',
      'image:i.ico',
      'script:m.js',
      'image:y.png',
    ]);
  });

  it('parses srcset candidates', () => {
    expect(parseSrcset('a.png 1x, b.png 2x,c.png')).toEqual([
      { url: 'a.png', descriptor: '1x' },
      { url: 'b.png', descriptor: '2x' },
      { url: 'c.png', descriptor: '' },
    ]);
  });
});

describe('scanCss', () => {
  it('finds @import and url() but not text in comments or strings', () => {
    const css = `@charset "utf-8"; @import "a.css"; @IMPORT url( 'b.css' ) screen; @import url(c.css);
      /* @import "no.css"; url(no.png) */ .x::before { content: "url(no2.png)"; }
      .y { background: url( "d.png" ) , URL(e\\.png); } .z { src: url(f.woff2) format("woff2"); }
      .w { mask: url(#m); } .bad { background: url(a b.png); } .esc { background: url("\\67.png"); }`;
    expect(scanCss(css)).toEqual({
      imports: ['a.css', 'b.css', 'c.css'],
      urls: ['d.png', 'e.png', 'f.woff2', '#m', 'g.png'],
    });
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('url(', ')', '"', "'", '\\', '/*', '*/', '@import', ' ', 'a', '\n') }), (css) => {
        const result = scanCss(css);
        expect(Array.isArray(result.imports) && Array.isArray(result.urls)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('scanModuleImports', () => {
  it('finds static imports and re-exports only', () => {
    const source = `
      // import "./comment.js"
      /* import x from './block.js' */
      import a from './a.js';
      import { b as c, "d-e" as f } from "./b.js"
      import * as ns from './c.js';
      import './d.js';
      import g, { h } from '../e.js';
      export * from './f.js';
      export * as ns2 from './g.js';
      export { x } from './h.js';
      export { y };
      export const z = 1;
      const s = "import './string.js'";
      const t = \`\${'import "./template.js"'} \${ { a: \`nested \${1}\` }.a } import './template2.js'\`;
      const r = /import '.\\/regex.js'/g, q = a / 2 / 1;
      const lazy = import('./dynamic.js');
      console.log(import.meta.url, obj.import('./method.js'));
      import json from './data.json' with { type: 'json' };
      import './a.js';`;
    expect(scanModuleImports(source)).toEqual([
      './a.js',
      './b.js',
      './c.js',
      './d.js',
      '../e.js',
      './f.js',
      './g.js',
      './h.js',
      './data.json',
    ]);
  });

  it('handles minified code', () => {
    expect(scanModuleImports(`import{a as b}from"./x.js";import"./y.js";export*from"./z.js";const c=1/2;`)).toEqual([
      './x.js',
      './y.js',
      './z.js',
    ]);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('import', 'export', 'from', '"./a.js"', '`', '${', '}', '{', '/', '*', '(', ')', ' ', '\\', "'", '\n') }), (source) => {
        expect(Array.isArray(scanModuleImports(source))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('scanCss image-set()', () => {
  it('finds the images of image-set() and -webkit-image-set(), quoted or in url()', () => {
    const css = `.hero { background-image: image-set("a.png" 1x, url(b.png) 2x, 'c.avif' type("image/avif"));
      background: -webkit-image-set(url("d.png") 1x); content: "image-set('no.png' 1x)"; }`;
    expect(scanCss(css).urls).toEqual(['a.png', 'b.png', 'c.avif', 'd.png']);
  });
});

describe('scanHtml character references', () => {
  it('decodes every HTML named reference in attributes, not only the common five', () => {
    const [link] = scanHtml(`<link rel="stylesheet" href="&sol;css&sol;a&period;css?x=1&semi;y=&quot;2&quot;">`);
    expect(link!.attributes.get('href')).toBe('/css/a.css?x=1;y="2"');
    expect(decodeEntities('&sol;i&period;png&NotANamedEntity;')).toBe('/i.png&NotANamedEntity;');
  });
});
