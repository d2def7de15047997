import { describe, expect, it } from 'vitest';
import {
  CCCD_PROVINCES,
  birthYear,
  mstCheckDigit,
  parseIdentifier,
  validateIdDocument,
  type IdentifierKind,
} from '../../../src/pki/identifiers.js';
import { checkSubjectForProfile } from '../../../src/pki/subject-rules.js';
import { normalizeSubject, validateUid } from '../../../src/pki/names.js';
import { isAppError } from '../../../src/core/errors.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function refusal(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (e) {
    return isAppError(e) ? { code: e.code, message: e.message } : { code: 'NOT_APP_ERROR', message: String(e) };
  }
  return undefined;
}

const parse = (text: string, allowed?: IdentifierKind[]) => parseIdentifier(text, { now: NOW, ...(allowed ? { allowed } : {}) });

describe('MST (tax code) check digit', () => {
  it('ok/0100109106 has check digit 6 (31·0+29·1+…+3·0 = 114, 10 − 114 mod 11 = 6)', () => {
    expect(mstCheckDigit('010010910')).toBe(6);
    expect(parse('MST:0100109106')).toEqual({ kind: 'MST', value: '0100109106' });
  });
  it('ok/the 13-digit branch form keeps the parent check digit', () => {
    expect(parse('MST:0100109106-001').value).toBe('0100109106-001');
  });
  it.each([
    ['MST:0100109107', 'must be 6'],
    ['MST:0100109106-01', '10-3 digits'],
    ['MST:010010910', '10 digits'],
    ['MST:01001091066', '10 digits'],
  ])('fail/%s → UID_INVALID (%s)', (text, rule) => {
    const r = refusal(() => parse(text));
    expect(r?.code).toBe('UID_INVALID');
    expect(r?.message).toContain(rule);
  });
  it('fail/a first nine digits whose weighted sum is 0 mod 11 has no valid check digit', () => {
    // search rather than trust hand arithmetic for a prefix whose sum is a multiple of 11
    let first9 = '';
    for (let n = 0; n < 1000 && !first9; n++) {
      const c = String(n).padStart(9, '0');
      if (mstCheckDigit(c) === undefined) first9 = c;
    }
    expect(first9).not.toBe('');
    for (let d = 0; d <= 9; d++) expect(refusal(() => parse(`MST:${first9}${d}`))?.message).toContain('no valid check digit');
  });
});

describe('CCCD (citizen identity number)', () => {
  it('ok/the 63 provinces of Circular 07/2016/TT-BCA, with names', () => {
    expect(Object.keys(CCCD_PROVINCES)).toHaveLength(63);
    expect(CCCD_PROVINCES['001']).toBe('Hà Nội');
    expect(CCCD_PROVINCES['022']).toBe('Quảng Ninh');
    expect(CCCD_PROVINCES['079']).toBe('TP Hồ Chí Minh');
    expect(CCCD_PROVINCES['096']).toBe('Cà Mau');
    for (const code of Object.keys(CCCD_PROVINCES)) expect(parse(`CCCD:${code}090001234`).value).toBe(`${code}090001234`);
  });
  it.each(['003', '005', '097', '000', '099'])('fail/province code %s is unassigned', (p) => {
    const r = refusal(() => parse(`CCCD:${p}090001234`));
    expect(r?.code).toBe('UID_INVALID');
    expect(r?.message).toContain('province code');
  });
  it('ok/digit 4 gives the century: 0/1 → 1900s, 2/3 → 2000s, … 8/9 → 2300s', () => {
    expect(birthYear('022090001234')).toBe(1990);
    expect(birthYear('022190001234')).toBe(1990);
    expect(birthYear('022204001234')).toBe(2004);
    expect(birthYear('022326001234')).toBe(2026);
    expect(birthYear('022499001234')).toBe(2199);
    expect(birthYear('022899001234')).toBe(2399);
    expect(birthYear('022600001234')).toBe(2200);
    expect(parse('CCCD:022326001234').value).toBe('022326001234');
  });
  it.each(['CCCD:022327001234', 'CCCD:022234001234', 'CCCD:022400001234', 'CCCD:022600001234', 'CCCD:022800001234'])(
    'fail/%s: the birth year is in the future',
    (text) => {
      const r = refusal(() => parse(text));
      expect(r?.code).toBe('UID_INVALID');
      expect(r?.message).toContain('in the future');
    },
  );
  it.each(['CCCD:02209000123', 'CCCD:0220900012345', 'CCCD:02209000123a'])('fail/%s is not 12 digits', (text) => {
    expect(refusal(() => parse(text))?.message).toContain('12 digits');
  });
});

describe('CMND, passport, MNS', () => {
  it('ok/CMND of 9 digits, or 12 following the CCCD structure', () => {
    expect(parse('CMND:123456789').value).toBe('123456789');
    expect(parse('CMND:022090001234').value).toBe('022090001234');
  });
  it.each([
    ['CMND:12345678', '9 or 12'],
    ['CMND:1234567890', '9 or 12'],
    ['CMND:003090001234', 'province code'],
  ])('fail/%s (%s)', (text, rule) => {
    expect(refusal(() => parse(text))?.message).toContain(rule);
  });
  it('ok/passports: Vietnamese letter + 7 digits, foreign 6–9 alphanumerics (upper-cased)', () => {
    expect(parse('PASSPORT:C1234567').value).toBe('C1234567');
    expect(parse('PASSPORT:x12345678').value).toBe('X12345678');
    expect(parse('PASSPORT:AB1234').value).toBe('AB1234');
  });
  it.each(['PASSPORT:A1234', 'PASSPORT:A123456789', 'PASSPORT:C12-4567'])('fail/%s is not a passport number', (text) => {
    expect(refusal(() => parse(text))?.message).toContain('PASSPORT');
  });
  it('ok/MNS of 7 digits; fail/6 or 8', () => {
    expect(parse('MNS:1000555').value).toBe('1000555');
    expect(refusal(() => parse('MNS:100055'))?.message).toContain('7 digits');
    expect(refusal(() => parse('MNS:10005551'))?.message).toContain('7 digits');
  });
});

describe('where each kind is accepted', () => {
  it('ok/a requester document is CCCD, CMND or passport, with a colon or a space, normalised', () => {
    expect(validateIdDocument('CCCD 022090001234', NOW)).toBe('CCCD:022090001234');
    expect(validateIdDocument('cmnd:123456789', NOW)).toBe('CMND:123456789');
    expect(validateIdDocument('Passport: c1234567', NOW)).toBe('PASSPORT:C1234567');
  });
  it.each(['MST:0100109106', 'Nguyễn Văn A', '022090001234', 'CCCD:003090001234', ''])('fail/requester document %j', (text) => {
    expect(refusal(() => validateIdDocument(text, NOW))?.code).toBe('UID_INVALID');
  });
  it('fail/a certificate UID is KIND:value of CCCD, CMND, MST or MNS only', () => {
    expect(validateUid('MST:0100109106')).toBe('MST:0100109106');
    expect(refusal(() => validateUid('MST:0100109107'))?.code).toBe('UID_INVALID');
    expect(refusal(() => validateUid('PASSPORT:C1234567'))?.code).toBe('UID_INVALID');
    expect(refusal(() => validateUid('CCCD 022090001234'))?.code).toBe('UID_INVALID');
  });
});

describe('profile rules', () => {
  const subject = (uids: string[], country = 'VN') => normalizeSubject({ commonName: 'Sở Tư pháp tỉnh Quảng Ninh', country, uids });
  it('ok/an organization certificate with an MST or an MNS', () => {
    expect(refusal(() => checkSubjectForProfile('organization', subject(['MST:0100109106'])))).toBeUndefined();
    expect(refusal(() => checkSubjectForProfile('organization', subject(['MNS:1000555'])))).toBeUndefined();
  });
  it('fail/an organization certificate without MST/MNS, or with a personal CCCD/CMND', () => {
    expect(refusal(() => checkSubjectForProfile('organization', subject([])))?.message).toContain('needs an MST');
    const r = refusal(() => checkSubjectForProfile('organization', subject(['MST:0100109106', 'CCCD:022090001234'])));
    expect(r).toEqual({ code: 'SUBJECT_INVALID', message: expect.stringContaining('personal CCCD') });
    expect(refusal(() => checkSubjectForProfile('organization', subject(['MNS:1000555', 'CMND:123456789'])))?.message).toContain(
      'personal CMND',
    );
  });
  it('fail/C other than VN for the provincial profiles; ok/for a device', () => {
    expect(refusal(() => checkSubjectForProfile('organization', subject(['MST:0100109106'], 'US')))).toEqual({
      code: 'SUBJECT_INVALID',
      message: expect.stringContaining('C must be VN'),
    });
    expect(refusal(() => checkSubjectForProfile('individual', subject(['CCCD:022090001234'], 'US')))?.code).toBe('SUBJECT_INVALID');
    expect(refusal(() => checkSubjectForProfile('device', subject([], 'US')))).toBeUndefined();
  });
});
