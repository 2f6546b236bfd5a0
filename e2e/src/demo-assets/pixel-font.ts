import { PIXEL_GLYPHS } from './pixel-glyphs.ts';
import { concatBytes } from './concat-bytes.ts';

/** Options of {@link buildPixelFont}. */
export interface PixelFontOptions {
  family: string;
  bold?: boolean;
}

const UNITS_PER_EM = 1000;
const PIXEL = 100; // font units per bitmap pixel
const ROWS = 7;

interface GlyphOutline {
  bytes: Uint8Array;
  advance: number;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  points: number;
  contours: number;
}

/**
 * Build a small but complete TrueType font (head, hhea, maxp, OS/2, hmtx,
 * cmap, loca, glyf, name, post) whose glyphs are the 5x7 pixel bitmaps of
 * PIXEL_GLYPHS: a real web font for the demo that needs no download and
 * passes Chromium's font sanitiser.
 */
export function buildPixelFont(options: PixelFontOptions): Uint8Array {
  const bold = options.bold === true;
  const inkExtra = bold ? 35 : 0; // bold: every horizontal run of ink is wider
  const advance = 6 * PIXEL + inkExtra;
  const characters = Object.keys(PIXEL_GLYPHS);
  const glyphs: GlyphOutline[] = [notdefGlyph(advance), emptyGlyph(advance)];
  const cmap = new Map<number, number>([
    [0x20, 1],
    [0xa0, 1],
  ]);
  for (const character of characters) {
    const id = glyphs.length;
    glyphs.push(bitmapGlyph(PIXEL_GLYPHS[character]!, advance, inkExtra));
    cmap.set(character.charCodeAt(0), id);
    if (/[A-Z]/.test(character)) cmap.set(character.toLowerCase().charCodeAt(0), id);
  }

  const glyf: Uint8Array[] = [];
  const offsets: number[] = [0];
  for (const glyph of glyphs) {
    const padded = padTo4(glyph.bytes);
    glyf.push(padded);
    offsets.push(offsets[offsets.length - 1]! + padded.length);
  }
  const inked = glyphs.filter((glyph) => glyph.contours > 0);
  const bounds = {
    xMin: Math.min(...inked.map((g) => g.xMin)),
    yMin: Math.min(...inked.map((g) => g.yMin)),
    xMax: Math.max(...inked.map((g) => g.xMax)),
    yMax: Math.max(...inked.map((g) => g.yMax)),
  };
  const codes = [...cmap.keys()].sort((a, b) => a - b);
  const style = bold ? 'Bold' : 'Regular';
  const postscriptName = `${options.family.replace(/[^A-Za-z0-9]/g, '')}-${style}`;

  const tables: Record<string, Uint8Array> = {
    head: writer((w) => {
      w.u16(1).u16(0).u32(0x00010000).u32(0 /* checkSumAdjustment, patched below */).u32(0x5f0f3cf5);
      w.u16(0x000b).u16(UNITS_PER_EM);
      w.u32(0).u32(0xe5a7e400).u32(0).u32(0xe5a7e400); // created/modified: fixed, for reproducible bytes
      w.i16(bounds.xMin).i16(bounds.yMin).i16(bounds.xMax).i16(bounds.yMax);
      w.u16(bold ? 1 : 0).u16(8).i16(2).i16(1 /* long loca */).i16(0);
    }),
    hhea: writer((w) => {
      w.u32(0x00010000).i16(800).i16(-200).i16(200).u16(advance);
      w.i16(Math.min(...inked.map((g) => g.xMin))).i16(Math.min(...inked.map((g) => g.advance - g.xMax)));
      w.i16(bounds.xMax).i16(1).i16(0).i16(0).i16(0).i16(0).i16(0).i16(0).i16(0).u16(glyphs.length);
    }),
    maxp: writer((w) => {
      w.u32(0x00010000).u16(glyphs.length);
      w.u16(Math.max(...glyphs.map((g) => g.points))).u16(Math.max(...glyphs.map((g) => g.contours)));
      w.u16(0).u16(0).u16(2);
      for (let i = 0; i < 8; i += 1) w.u16(0);
    }),
    'OS/2': writer((w) => {
      w.u16(4).i16(advance).u16(bold ? 700 : 400).u16(5).u16(0);
      for (const value of [650, 600, 0, 75, 650, 600, 0, 350, 50, 300]) w.i16(value);
      w.i16(0);
      for (let i = 0; i < 10; i += 1) w.u8(0);
      w.u32(1).u32(0).u32(0).u32(0);
      w.bytes(new TextEncoder().encode('NONE'));
      w.u16((bold ? 0x20 : 0x40) | 0x80).u16(codes[0]!).u16(codes[codes.length - 1]!);
      w.i16(800).i16(-200).i16(200).u16(900).u16(200);
      w.u32(1).u32(0).i16(700).i16(700).u16(0).u16(0x20).u16(1);
    }),
    hmtx: writer((w) => {
      for (const glyph of glyphs) w.u16(glyph.advance).i16(glyph.contours > 0 ? glyph.xMin : 0);
    }),
    cmap: cmapTable(codes, cmap),
    loca: writer((w) => {
      for (const offset of offsets) w.u32(offset);
    }),
    glyf: concatBytes(glyf),
    name: nameTable([
      [1, options.family],
      [2, style],
      [3, `${postscriptName};1.000`],
      [4, `${options.family} ${style}`],
      [5, 'Version 1.000'],
      [6, postscriptName],
    ]),
    post: writer((w) => {
      w.u32(0x00030000).u32(0).i16(-100).i16(50).u32(1).u32(0).u32(0).u32(0).u32(0);
    }),
  };
  return assembleSfnt(tables);
}

function bitmapGlyph(rows: readonly string[], advance: number, inkExtra: number): GlyphOutline {
  // One rectangle per horizontal run of ink: contours never overlap.
  const rectangles: Array<[number, number, number, number]> = [];
  rows.forEach((row, rowIndex) => {
    const top = (ROWS - rowIndex) * PIXEL;
    let x = 0;
    while (x < row.length) {
      if (row[x] !== '#') {
        x += 1;
        continue;
      }
      const start = x;
      while (x < row.length && row[x] === '#') x += 1;
      rectangles.push([PIXEL / 2 + start * PIXEL, top - PIXEL, PIXEL / 2 + x * PIXEL + inkExtra, top]);
    }
  });
  return outlineGlyph(rectangles, advance);
}

function notdefGlyph(advance: number): GlyphOutline {
  // A hollow box: outer contour clockwise, inner counter-clockwise.
  const outer: Array<[number, number]> = [
    [50, 0],
    [50, 700],
    [550, 700],
    [550, 0],
  ];
  const inner: Array<[number, number]> = [
    [120, 70],
    [480, 70],
    [480, 630],
    [120, 630],
  ];
  return contoursGlyph([outer, inner], advance);
}

function emptyGlyph(advance: number): GlyphOutline {
  return { bytes: new Uint8Array(0), advance, xMin: 0, yMin: 0, xMax: 0, yMax: 0, points: 0, contours: 0 };
}

function outlineGlyph(rectangles: Array<[number, number, number, number]>, advance: number): GlyphOutline {
  return contoursGlyph(
    rectangles.map(([x0, y0, x1, y1]) => [
      [x0, y0],
      [x0, y1],
      [x1, y1],
      [x1, y0],
    ]),
    advance,
  );
}

function contoursGlyph(contours: Array<Array<[number, number]>>, advance: number): GlyphOutline {
  const points = contours.flat();
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const box = { xMin: Math.min(...xs), yMin: Math.min(...ys), xMax: Math.max(...xs), yMax: Math.max(...ys) };
  const bytes = writer((w) => {
    w.i16(contours.length).i16(box.xMin).i16(box.yMin).i16(box.xMax).i16(box.yMax);
    let end = -1;
    for (const contour of contours) {
      end += contour.length;
      w.u16(end);
    }
    w.u16(0); // no hinting instructions
    for (let i = 0; i < points.length; i += 1) w.u8(0x01); // on-curve, 16-bit deltas
    let previous = 0;
    for (const [x] of points) {
      w.i16(x - previous);
      previous = x;
    }
    previous = 0;
    for (const [, y] of points) {
      w.i16(y - previous);
      previous = y;
    }
  });
  return { bytes, advance, ...box, points: points.length, contours: contours.length };
}

function cmapTable(codes: number[], cmap: Map<number, number>): Uint8Array {
  // Format 4 with one segment per code point (few glyphs), plus the 0xFFFF terminator.
  const segments = [...codes.map((code) => ({ code, delta: (cmap.get(code)! - code) & 0xffff })), { code: 0xffff, delta: 1 }];
  const segCount = segments.length;
  const searchRange = 2 ** (Math.floor(Math.log2(segCount)) + 1);
  const subtable = writer((w) => {
    w.u16(4).u16(16 + segCount * 8).u16(0);
    w.u16(segCount * 2).u16(searchRange).u16(Math.log2(searchRange / 2)).u16(segCount * 2 - searchRange);
    for (const segment of segments) w.u16(segment.code);
    w.u16(0);
    for (const segment of segments) w.u16(segment.code);
    for (const segment of segments) w.u16(segment.delta);
    for (let i = 0; i < segCount; i += 1) w.u16(0);
  });
  return writer((w) => {
    w.u16(0).u16(1).u16(3).u16(1).u32(12);
    w.bytes(subtable);
  });
}

function nameTable(records: Array<[number, string]>): Uint8Array {
  const strings = records.map(([, text]) => utf16be(text));
  const storageOffset = 6 + records.length * 12;
  return writer((w) => {
    w.u16(0).u16(records.length).u16(storageOffset);
    let offset = 0;
    records.forEach(([nameId], i) => {
      w.u16(3).u16(1).u16(0x409).u16(nameId).u16(strings[i]!.length).u16(offset);
      offset += strings[i]!.length;
    });
    for (const text of strings) w.bytes(text);
  });
}

function assembleSfnt(tables: Record<string, Uint8Array>): Uint8Array {
  const tags = Object.keys(tables).sort();
  const count = tags.length;
  const searchRange = 16 * 2 ** Math.floor(Math.log2(count));
  const directorySize = 12 + 16 * count;
  let offset = directorySize;
  const placed = tags.map((tag) => {
    const data = tables[tag]!;
    const entry = { tag, data, offset, checksum: checksum(data) };
    offset += padTo4(data).length;
    return entry;
  });
  const font = writer((w) => {
    w.u32(0x00010000).u16(count).u16(searchRange).u16(Math.log2(searchRange / 16)).u16(count * 16 - searchRange);
    for (const entry of placed) {
      w.bytes(new TextEncoder().encode(entry.tag.padEnd(4, ' ')));
      w.u32(entry.checksum).u32(entry.offset).u32(entry.data.length);
    }
    for (const entry of placed) w.bytes(padTo4(entry.data));
  });
  const head = placed.find((entry) => entry.tag === 'head')!;
  new DataView(font.buffer).setUint32(head.offset + 8, (0xb1b0afba - checksum(font)) >>> 0);
  return font;
}

function checksum(data: Uint8Array): number {
  const padded = padTo4(data);
  const view = new DataView(padded.buffer, padded.byteOffset, padded.byteLength);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + view.getUint32(i)) >>> 0;
  return sum;
}

function padTo4(data: Uint8Array): Uint8Array {
  if (data.length % 4 === 0) return data;
  const out = new Uint8Array(data.length + 4 - (data.length % 4));
  out.set(data);
  return out;
}

function utf16be(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i += 1) {
    out[i * 2] = text.charCodeAt(i) >> 8;
    out[i * 2 + 1] = text.charCodeAt(i) & 0xff;
  }
  return out;
}


interface ByteWriter {
  u8(value: number): ByteWriter;
  u16(value: number): ByteWriter;
  i16(value: number): ByteWriter;
  u32(value: number): ByteWriter;
  bytes(value: Uint8Array): ByteWriter;
}

function writer(fill: (w: ByteWriter) => void): Uint8Array {
  const bytes: number[] = [];
  const w: ByteWriter = {
    u8: (value) => (bytes.push(value & 0xff), w),
    u16: (value) => (bytes.push((value >> 8) & 0xff, value & 0xff), w),
    i16: (value) => w.u16(value & 0xffff),
    u32: (value) => (bytes.push((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff), w),
    bytes: (value) => {
      for (const byte of value) bytes.push(byte);
      return w;
    },
  };
  fill(w);
  return Uint8Array.from(bytes);
}
