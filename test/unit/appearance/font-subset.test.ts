import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FontSubset, VIETNAMESE_CHARACTERS, loadFont } from '../../../src/pdf/appearance/index.js';

const font = loadFont('regular');

/** The CIDs (= glyph ids) of an Identity-H string operand. */
const cids = (b: Buffer): number[] => Array.from({ length: b.length / 2 }, (_, i) => b.readUInt16BE(2 * i));

/** The font subset's ToUnicode CMap, inflated. */
function toUnicode(s: FontSubset): string {
  const obj = s.build().find((o) => o.id.endsWith('.tounicode'))!;
  return inflateSync(obj.stream!).toString('latin1');
}

describe('font subset encoding', () => {
  it('one CID per NFC code point: decomposed marks compose, astral characters are one code point, a lone surrogate is one, controls are dropped', () => {
    const s = new FontSubset(font, 't');
    const gid = (ch: string): number => font.glyph(ch.codePointAt(0)!)?.gid ?? font.fallbackGlyph.gid;
    expect(cids(s.encode('e\u0301'))).toEqual([gid('é')]);
    // U+1D538 is outside the font: one '?' for the pair, not two
    expect(cids(s.encode('a\u{1d538}b'))).toEqual([gid('a'), font.fallbackGlyph.gid, gid('b')]);
    // a lone high surrogate does not swallow the character after it
    expect(cids(s.encode('\ud800x'))).toEqual([font.fallbackGlyph.gid, gid('x')]);
    expect(cids(s.encode('a\u0007\u0085b'))).toEqual([gid('a'), gid('b')]);
  });

  it('a subset prepared with a character set and given text within it is the same subset as one built from that text and set by encoding', () => {
    const prepared = new FontSubset(font, 'p');
    prepared.include(VIETNAMESE_CHARACTERS);
    prepared.encode('Nguyễn Thị Hằng, số 12/2026');
    const encoded = new FontSubset(font, 'p');
    encoded.encode(VIETNAMESE_CHARACTERS);
    encoded.encode('Nguyễn Thị Hằng, số 12/2026');
    expect(toUnicode(prepared)).toBe(toUnicode(encoded));
    expect(prepared.build()[2]).toEqual(encoded.build()[2]);
  });

  it('text outside the prepared set extends the subset (its glyph is mapped), also after a build of the prepared set alone', () => {
    const first = new FontSubset(font, 'q');
    first.include(VIETNAMESE_CHARACTERS);
    const alone = toUnicode(first);
    const extended = new FontSubset(font, 'q');
    extended.include(VIETNAMESE_CHARACTERS);
    extended.encode('Ω');
    const withOmega = toUnicode(extended);
    expect(withOmega).not.toBe(alone);
    expect(withOmega).toContain(`<${font.glyph(0x3a9)!.gid.toString(16).toUpperCase().padStart(4, '0')}> <03A9>`);
    expect(alone).not.toContain('<03A9>');
  });
});
