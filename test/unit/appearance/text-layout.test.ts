import fc from 'fast-check';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fontkit from '@pdf-lib/fontkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FontSubset, layoutBlock, loadFont, loadFontFromBytes, measureText, wrapText } from '../../../src/pdf/appearance/index.js';
import { TrueTypeFile } from '../../../src/pdf/appearance/truetype-subset.js';

const VIETNAMESE_LETTERS = (() => {
  const cps = [0x102, 0x103, 0x110, 0x111, 0x1a0, 0x1a1, 0x1af, 0x1b0];
  for (let c = 0x1ea0; c <= 0x1ef9; c++) cps.push(c);
  return cps.map((c) => String.fromCodePoint(c));
})();

describe('shipped font', () => {
  it('covers every precomposed Vietnamese letter in both styles', () => {
    for (const style of ['regular', 'bold'] as const) {
      const f = loadFont(style);
      const missing = VIETNAMESE_LETTERS.filter((ch) => f.glyph(ch.codePointAt(0)!) === null);
      expect(missing).toEqual([]);
    }
  });

  it('a caller-provided TrueType font is parsed once per key; non-TrueType bytes are refused', () => {
    const bytes = readFileSync(join(process.cwd(), 'assets/fonts/LiberationSerif-Bold.ttf'));
    const a = loadFontFromBytes(bytes, 'test:bold-copy');
    expect(loadFontFromBytes(bytes, 'test:bold-copy')).toBe(a);
    expect(a).not.toBe(loadFont('bold'));
    expect(a.widthOf('Ự', 10)).toBeCloseTo(loadFont('bold').widthOf('Ự', 10), 6);
    expect(() => loadFontFromBytes(Buffer.from('OTTO not a real font'), 'test:junk')).toThrow();
  });

  it('is parsed once', () => {
    expect(loadFont('regular')).toBe(loadFont('regular'));
    expect(loadFont('bold')).not.toBe(loadFont('regular'));
  });

  it('measures with Times-compatible advance widths', () => {
    // Liberation Serif is metric-compatible with Times New Roman: 'M' is 889/1000 em, space 250.
    expect(measureText('M', 'regular', 10)).toBeCloseTo(8.89, 2);
    expect(measureText(' ', 'regular', 10)).toBeCloseTo(2.5, 2);
    // NFD input measures like NFC (one precomposed glyph).
    expect(measureText('ệ'.normalize('NFD'), 'regular', 10)).toBeCloseTo(measureText('ệ', 'regular', 10), 6);
  });
});

describe('wrapText', () => {
  it('wraps greedily on spaces and keeps explicit line breaks', () => {
    const lines = wrapText('Ủy ban nhân dân tỉnh Quảng Ninh\nSở Tư pháp', 'regular', 10, 80);
    expect(lines.every((l) => measureText(l, 'regular', 10) <= 80)).toBe(true);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toBe('Ủy ban nhân dân tỉnh Quảng Ninh Sở Tư pháp');
    expect(lines.at(-1)).toBe('Sở Tư pháp');
    expect(lines.length).toBeGreaterThanOrEqual(3);
  });

  it('breaks a word longer than the width between characters', () => {
    const lines = wrapText('Nghiêngnghiêngnghiêngnghiêng', 'bold', 12, 40);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('')).toBe('Nghiêngnghiêngnghiêngnghiêng');
    expect(lines.every((l) => measureText(l, 'bold', 12) <= 40)).toBe(true);
  });

  it('gives the same lines for the same text again, each call its own array', () => {
    const text = 'Chứng thực bản sao đúng với bản chính. Bản sao gồm 3 trang.';
    const first = wrapText(text, 'regular', 11, 120);
    const copy = [...first];
    first.push('changed by the caller');
    first[0] = 'x';
    expect(wrapText(text, 'regular', 11, 120)).toEqual(copy);
    // the width and the size are part of what is kept, not only the text
    expect(wrapText(text, 'regular', 11, 400).length).toBeLessThan(copy.length);
    expect(wrapText(text, 'regular', 6, 120).length).toBeLessThan(copy.length);
  });

  it('keeps spacing typed inside a line', () => {
    expect(wrapText('Số: 15   Quyển số: 01', 'regular', 10, 500)).toEqual(['Số: 15   Quyển số: 01']);
  });

  it('property: never loses a word and never exceeds the width when words fit', () => {
    const word = fc.stringMatching(/^[a-zA-Zàáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]{1,8}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 30 }), fc.integer({ min: 60, max: 300 }), (words, width) => {
        const lines = wrapText(words.join(' '), 'regular', 10, width);
        expect(lines.join(' ')).toBe(words.join(' ').normalize('NFC'));
        for (const l of lines) expect(measureText(l, 'regular', 10)).toBeLessThanOrEqual(width + 1e-9);
      }),
      { numRuns: 60 },
    );
  });
});

describe('layoutBlock', () => {
  const paras = [
    { text: 'CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH', font: 'bold' as const, size: 14, align: 'center' as const },
    { text: 'Số chứng thực: 15, Quyển số: 01/2026-SCT/BS', size: 12 },
  ];

  it('sizes to content without a height, and aligns', () => {
    const l = layoutBlock(paras, { width: 400 });
    expect(l.scale).toBe(1);
    expect(l.overflow).toBe(false);
    expect(l.lines).toHaveLength(2);
    expect(l.contentHeight).toBeCloseTo(14 * 1.2 + 12 * 1.2, 6);
    const [title, second] = l.lines;
    expect(title!.x).toBeCloseTo((400 - title!.width) / 2, 6);
    expect(second!.x).toBe(0);
    expect(title!.y).toBeGreaterThan(second!.y);
    // The first baseline sits one ascent-ish below the top.
    expect(l.contentHeight - title!.y).toBeGreaterThan(10);
    expect(l.contentHeight - title!.y).toBeLessThan(17);
  });

  it('shrinks to fit a small box, keeping relative sizes', () => {
    const l = layoutBlock(paras, { width: 150, height: 40 });
    expect(l.scale).toBeLessThan(1);
    expect(l.contentHeight).toBeLessThanOrEqual(40 + 1e-6);
    expect(l.lines[0]!.size / l.lines.at(-1)!.size).toBeCloseTo(14 / 12, 6);
    for (const line of l.lines) {
      expect(line.x).toBeGreaterThanOrEqual(-1e-6);
      expect(line.x + line.width).toBeLessThanOrEqual(150 + 1e-6);
      expect(line.y + line.font.descentAt(line.size)).toBeGreaterThanOrEqual(-1e-6);
    }
  });

  it('reports overflow when even the minimum size cannot fit', () => {
    const l = layoutBlock([{ text: 'a '.repeat(400), size: 10 }], { width: 50, height: 10, minSize: 6 });
    expect(l.overflow).toBe(true);
  });

  it('right alignment ends at the width', () => {
    const l = layoutBlock([{ text: 'SAO Y', align: 'right' }], { width: 100 });
    expect(l.lines[0]!.x + l.lines[0]!.width).toBeCloseTo(100, 6);
  });
});

describe('FontSubset', () => {
  const f = loadFont('regular');
  const gid = (ch: string) => f.glyph(ch.codePointAt(0)!)!.gid;

  it('uses glyph ids as CIDs and writes /W runs and a ToUnicode CMap', () => {
    const s = new FontSubset(f, 'f');
    const codes = s.encode('ằẵ ệ');
    const expected = ['ằ', 'ẵ', ' ', 'ệ'].map(gid);
    expect([0, 2, 4, 6].map((i) => codes.readUInt16BE(i))).toEqual(expected);
    const objs = s.build();
    expect(objs.map((o) => o.id)).toEqual(['f.file', 'f.descriptor', 'f.cidfont', 'f.tounicode', 'f.type0']);
    const cid = objs.find((o) => o.id === 'f.cidfont')!;
    const w = cid.dict.entries['W'] as (number | number[])[];
    const widths = new Map<number, number>();
    for (let i = 0; i < w.length; i += 2) (w[i + 1] as number[]).forEach((v, k) => widths.set((w[i] as number) + k, v));
    expect(widths.get(gid(' '))).toBe(250);
    expect([...widths.keys()].sort((a, b) => a - b)).toEqual([...new Set(expected)].sort((a, b) => a - b));
    const cmap = inflateSync(objs.find((o) => o.id === 'f.tounicode')!.stream!).toString('latin1');
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
    expect(cmap).toContain(`<${hex(gid('ằ'))}> <1EB1>`);
    expect(cmap).toContain(`<${hex(gid('ẵ'))}> <1EB5>`);
    expect(cmap).toContain(`<${hex(gid('ệ'))}> <1EC7>`);
  });

  it('the font file is a valid, smaller TrueType with the used outlines (and their components) only', () => {
    const s = new FontSubset(f, 'f');
    s.encode('Ệ');
    const file = s.build().find((o) => o.id === 'f.file')!;
    const ttf = inflateSync(file.stream!);
    expect(file.dict.entries['Length1']).toBe(ttf.length);
    expect(ttf.readUInt32BE(0)).toBe(0x00010000);
    let sum = 0;
    for (let i = 0; i < ttf.length; i += 4) sum = (sum + ttf.readUInt32BE(i)) >>> 0;
    expect(sum).toBe(0xb1b0afba); // head.checkSumAdjustment (OpenType "head")
    expect(file.stream!.length).toBeLessThan(20_000);
    // Re-parse with fontkit: same glyph count, the used glyph has an outline, others are empty.
    const sub = new TrueTypeFile(ttf);
    expect(sub.numGlyphs).toBe(f.file.numGlyphs);
    const [s0, e0] = sub.glyphRange(gid('Ệ'));
    expect(e0 - s0).toBeGreaterThan(0);
    for (const c of f.file.components(gid('Ệ'))) {
      const [cs, ce] = sub.glyphRange(c);
      expect(ce - cs).toBeGreaterThan(0);
    }
    const [as, ae] = sub.glyphRange(gid('A'));
    expect(ae - as).toBe(0);
    const parsed = fontkit.create(ttf);
    const bb = parsed.getGlyph(gid('Ệ')).path.bbox;
    expect(bb.maxY - bb.minY).toBeGreaterThan(500); // the outline reaches from the dot below to the accents
    expect(parsed.getGlyph(gid('Ệ')).advanceWidth).toBe(f.fontkitFont.getGlyph(gid('Ệ')).advanceWidth);
  });

  it('the same glyph set gives the same bytes whatever the drawing order', () => {
    const a = new FontSubset(f, 'f');
    a.encode('Văn An');
    const b = new FontSubset(f, 'f');
    b.encode('An');
    b.encode('nV ă');
    expect(a.build()[0]!.stream!.equals(b.build()[0]!.stream!)).toBe(true);
  });

  it('draws "?" for characters the font lacks and drops control characters', () => {
    const s = new FontSubset(f, 'f');
    const codes = s.encode('a\u0007\u{1F600}');
    expect(codes.length).toBe(4);
    expect(codes.readUInt16BE(2)).toBe(gid('?'));
  });
});
