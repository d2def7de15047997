import { describe, expect, it } from 'vitest';
import { encodeSubject, normalizeSubject, parseName, renderName, renderSubject, validateUid } from '../../../src/pki/names.js';
import { isAppError } from '../../../src/core/errors.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return isAppError(e) ? e.code : 'NOT_APP_ERROR';
  }
  return undefined;
};

describe('UID validation', () => {
  it('ok/accepts the four prefixed identifier kinds', () => {
    expect(validateUid('CCCD:001204567890')).toBe('CCCD:001204567890');
    expect(validateUid('cmnd:123456789')).toBe('CMND:123456789');
    expect(validateUid('CMND:001204567890')).toBe('CMND:001204567890');
    expect(validateUid('MST:0101234565')).toBe('MST:0101234565');
    expect(validateUid('MST:0101234565-001')).toBe('MST:0101234565-001');
    expect(validateUid('MNS:1234567')).toBe('MNS:1234567');
  });
  it.each([
    'CCCD:00123456789',
    'CCCD:0012045678901',
    'CCCD:00123456789a',
    'CCCD:000234567890',
    'CCCD:991234567890',
    'CMND:12345678',
    'CMND:1234567890',
    'MST:010123456',
    'MST:0101234565-01',
    'MNS:123456',
    'MNS:12345678',
    'CCCD 001204567890',
    'PASSPORT:B1234567',
    '',
    ':123',
  ])('fail/%s → UID_INVALID', (uid) => {
    expect(code(() => validateUid(uid))).toBe('UID_INVALID');
  });
});

describe('subject names', () => {
  const s = {
    commonName: 'Nguyễn Văn An',
    organization: 'UBND tỉnh Quảng Ninh',
    organizationalUnits: ['Sở Tư pháp', 'Phòng Hành chính'],
    province: 'Quảng Ninh',
    locality: 'Hạ Long',
    email: 'an@qn.gov.vn',
    uids: ['CCCD:001204567890', 'MST:0101234565'],
    title: 'Phó Giám đốc',
  };
  it('ok/encodes C as PrintableString, E as IA5String, the rest UTF8String, OU and UID repeated', () => {
    const der = encodeSubject(normalizeSubject(s));
    const attrs = parseName(der);
    expect(attrs.map((a) => a.type)).toEqual(['C', 'ST', 'L', 'O', 'OU', 'OU', 'T', 'CN', 'UID', 'UID', 'E']);
    // C=VN as PrintableString (tag 0x13), e-mail as IA5String (0x16), CN as UTF8String (0x0c)
    expect(der.includes(Buffer.from([0x13, 0x02, 0x56, 0x4e]))).toBe(true);
    expect(der.includes(Buffer.concat([Buffer.from([0x16, 12]), Buffer.from('an@qn.gov.vn')]))).toBe(true);
    const cn = Buffer.from('Nguyễn Văn An', 'utf8');
    expect(der.includes(Buffer.concat([Buffer.from([0x0c, cn.length]), cn]))).toBe(true);
    expect(renderSubject(normalizeSubject(s))).toBe(
      'E=an@qn.gov.vn, UID=MST:0101234565, UID=CCCD:001204567890, CN=Nguyễn Văn An, T=Phó Giám đốc, OU=Phòng Hành chính, OU=Sở Tư pháp, O=UBND tỉnh Quảng Ninh, L=Hạ Long, ST=Quảng Ninh, C=VN',
    );
  });
  it('ok/NFC-normalises decomposed Vietnamese so both spellings encode the same', () => {
    const decomposed = 'Nguyễn Văn An'.normalize('NFD');
    expect(decomposed).not.toBe('Nguyễn Văn An');
    expect(encodeSubject(normalizeSubject({ commonName: decomposed }))).toEqual(
      encodeSubject(normalizeSubject({ commonName: 'Nguyễn Văn An' })),
    );
  });
  it('ok/escapes RFC 4514 specials when rendering', () => {
    expect(renderName(encodeSubject(normalizeSubject({ commonName: 'A, B + C' })))).toBe('CN=A\\, B \\+ C, C=VN');
  });
  it.each([
    [{ commonName: '' }, 'SUBJECT_INVALID'],
    [{ commonName: '   ' }, 'SUBJECT_INVALID'],
    [{ commonName: 'x'.repeat(65) }, 'SUBJECT_INVALID'],
    [{ commonName: 'ok', country: 'Viet Nam' }, 'SUBJECT_INVALID'],
    [{ commonName: 'ok', email: 'not-an-email' }, 'SUBJECT_INVALID'],
    [{ commonName: 'ok', email: 'tên@qn.gov.vn' }, 'SUBJECT_INVALID'],
    [{ commonName: 'bad\u0001char' }, 'TEXT_UNSAFE'],
    [{ commonName: 'Nguyễn\u202Eevil' }, 'TEXT_UNSAFE'],
    [{ commonName: 'ok', organization: 'UBND\u200Bxã' }, 'TEXT_UNSAFE'],
    [{ commonName: 'lone \ud800 surrogate' }, 'SUBJECT_INVALID'],
    [{ commonName: 'ok', organizationalUnits: ['a', ''] }, 'SUBJECT_INVALID'],
    [{ commonName: 'ok', uids: ['CCCD:1'] }, 'UID_INVALID'],
    [{ commonName: 'ok', uids: ['MNS:1234567', 'MNS:1234567'] }, 'UID_INVALID'],
  ])('fail/%j → %s', (subject, expected) => {
    expect(code(() => normalizeSubject(subject))).toBe(expected);
  });
  it('fail/garbage Name DER → SUBJECT_INVALID', () => {
    expect(code(() => parseName(Buffer.from([0x30, 0x05, 0x31])))).toBe('SUBJECT_INVALID');
  });
});

describe('renderSubject', () => {
  it('ok/equals rendering the encoded DER', () => {
    const s = normalizeSubject({
      commonName: 'A, B',
      organization: 'O+1',
      organizationalUnits: ['x', 'y'],
      province: 'P',
      locality: 'L',
      email: 'a@b.vn',
      uids: ['MNS:1234567', 'MST:0101234565'],
      title: '#t',
    });
    expect(renderSubject(s)).toBe(renderName(encodeSubject(s)));
    const m = normalizeSubject({ commonName: 'Only' });
    expect(renderSubject(m)).toBe(renderName(encodeSubject(m)));
  });
});
