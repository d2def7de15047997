import { describe, expect, it } from 'vitest';
import { certificationFee } from '../../../src/copies/fee.js';
import { dateInFigures, dateInWords, numberInWords } from '../../../src/copies/date-in-words.js';
import { isoVietnam, vietnamYear, formatVietnamDate } from '../../../src/core/vietnam-time.js';
import { newLookupCode, parseLookupCode } from '../../../src/copies/lookup-code.js';
import { certificationNumberLabel, volumeLabel } from '../../../src/copies/register-labels.js';
import { AppError } from '../../../src/core/errors.js';

describe('certification fee (Circular 226/2016)', () => {
  it.each([
    [1, 2_000],
    [2, 4_000],
    [3, 5_000],
    [10, 12_000],
    [198, 200_000],
    [250, 200_000],
  ])('ok/%i pages costs %i VND per copy', (pages, fee) => {
    expect(certificationFee(pages).perCopy).toBe(fee);
  });
  it('ok/multiplies by the number of copies', () => {
    expect(certificationFee(3, 4)).toEqual({ perCopy: 5_000, copies: 4, total: 20_000 });
  });
  it('fail/rejects zero pages', () => {
    expect(() => certificationFee(0)).toThrow(TypeError);
  });
});

describe('Vietnamese numbers and dates', () => {
  it.each([
    [1, 'một'],
    [10, 'mười'],
    [11, 'mười một'],
    [15, 'mười lăm'],
    [21, 'hai mươi mốt'],
    [24, 'hai mươi tư'],
    [25, 'hai mươi lăm'],
    [30, 'ba mươi'],
    [105, 'một trăm lẻ năm'],
    [2026, 'hai nghìn không trăm hai mươi sáu'],
    [2030, 'hai nghìn không trăm ba mươi'],
    [2105, 'hai nghìn một trăm lẻ năm'],
  ])('ok/%i → %s', (n, words) => {
    expect(numberInWords(n)).toBe(words);
  });
  it('ok/uses the Vietnam date, not UTC (23:30 UTC on 31 Dec is already 1 Jan in Vietnam)', () => {
    const d = new Date('2026-12-31T23:30:00Z');
    expect(vietnamYear(d)).toBe(2027);
    expect(dateInFigures(d)).toBe('Ngày 01 tháng 01 năm 2027');
    expect(dateInWords(d)).toBe('Ngày một tháng một năm hai nghìn không trăm hai mươi bảy');
    expect(formatVietnamDate(d)).toBe('01/01/2027');
    expect(isoVietnam(d)).toBe('2027-01-01T06:30:00+07:00');
  });
  it('ok/leading zeros only for days < 10 and months < 3 (Decree 30/2020)', () => {
    expect(dateInFigures(new Date('2026-11-05T03:00:00Z'))).toBe('Ngày 05 tháng 11 năm 2026');
    expect(dateInFigures(new Date('2026-03-15T03:00:00Z'))).toBe('Ngày 15 tháng 3 năm 2026');
  });
});

describe('lookup codes', () => {
  it('ok/round-trips and tolerates case, spaces and confusable letters', () => {
    for (let i = 0; i < 200; i++) {
      const code = newLookupCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$/);
      expect(parseLookupCode(code.toLowerCase().replace(/-/g, ' '))).toBe(code);
    }
  });
  it('fail/every single-symbol change is caught by the check symbol', () => {
    const code = newLookupCode().replace(/-/g, '');
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    for (let pos = 0; pos < code.length; pos++) {
      for (const ch of alphabet) {
        if (ch === code[pos]) continue;
        const typo = code.slice(0, pos) + ch + code.slice(pos + 1);
        expect(() => parseLookupCode(typo), typo).toThrow(AppError);
      }
    }
  });
  it.each(['', 'abc', 'XXXX-XXXX-XXXX-XXXX', '!!!!-!!!!-!!!', 'x'.repeat(100)])('fail/%s is LOOKUP_CODE_INVALID', (bad) => {
    try {
      parseLookupCode(bad);
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).code).toBe('LOOKUP_CODE_INVALID');
    }
  });
});

describe('register labels', () => {
  it('ok/prints numbers and volumes as registers do', () => {
    expect(certificationNumberLabel(1)).toBe('01');
    expect(certificationNumberLabel(123)).toBe('123');
    expect(volumeLabel(1, 2026, 'SCT/BS')).toBe('01/2026-SCT/BS');
  });
});
