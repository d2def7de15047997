import { describe, expect, it } from 'vitest';
import { safeText, unsafeTextReason } from '../../../src/core/safe-text.js';

const NAME = 'Nguyễn Thị Ánh Tuyết';
const AUTHORITY = 'UBND xã Hạ Long';

describe('safe text (Unicode TR36 / TR39)', () => {
  for (const [label, value, cp] of [
    ['right-to-left override U+202E', 'UBND xã Hạ Long\u202Egnp.exe', 'U+202E'],
    ['zero-width space U+200B', 'Nguyễn\u200BThị', 'U+200B'],
    ['NUL', 'Trần Văn\u0000 Bình', 'U+0000'],
    ['first strong isolate U+2068', '\u2068Lê Văn Tâm', 'U+2068'],
    ['left-to-right embedding U+202A', '\u202ALê', 'U+202A'],
    ['byte order mark U+FEFF', 'Lê\uFEFF', 'U+FEFF'],
    ['right-to-left mark U+200F', 'Lê\u200F', 'U+200F'],
    ['line separator U+2028', 'Lê\u2028Văn', 'U+2028'],
    ['private use U+E000', 'Lê\uE000', 'U+E000'],
    ['tag character U+E0041', 'Lê\u{E0041}', 'U+E0041'],
  ] as const)
    it(`fail/${label} → TEXT_UNSAFE naming the field and code point`, () => {
      expect(() => safeText(value, 'name')).toThrow(
        expect.objectContaining({ code: 'TEXT_UNSAFE', details: { field: 'name', codePoint: cp } }),
      );
    });

  it('fail/a stack of combining marks on one letter → TEXT_UNSAFE', () => {
    expect(() => safeText('a\u0301\u0300\u0303\u0309\u0323', 'title')).toThrow(expect.objectContaining({ code: 'TEXT_UNSAFE' }));
  });

  for (const value of [NAME, AUTHORITY])
    it(`ok/"${value}" precomposed (NFC) and decomposed (NFD) are both accepted and stored as NFC`, () => {
      const nfd = value.normalize('NFD');
      expect(nfd).not.toBe(value);
      expect(safeText(value, 'name')).toBe(value.normalize('NFC'));
      expect(safeText(nfd, 'name')).toBe(value.normalize('NFC'));
      expect(unsafeTextReason(nfd.normalize('NFC'))).toBeUndefined();
    });

  it('ok/ordinary punctuation, digits and đ/Đ pass', () => {
    expect(safeText('Đội Tư pháp - Hộ tịch (số 2), đường 25/4', 'title')).toBe('Đội Tư pháp - Hộ tịch (số 2), đường 25/4');
  });
});
