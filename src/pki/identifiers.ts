import { AppError } from '../core/errors.js';

/**
 * Vietnamese identifiers carried in certificate UIDs (`MST:`, `MNS:`, `CCCD:`, `CMND:`,
 * `PASSPORT:`) and in a certified-copy requester's identity document. One rule per kind; every
 * refusal is UID_INVALID with a message naming the rule that failed.
 */

export type IdentifierKind = 'CCCD' | 'CMND' | 'PASSPORT' | 'MST' | 'MNS';

/** Identifiers that name a person (refused on an organization's certificate). */
export const PERSONAL_KINDS: readonly IdentifierKind[] = ['CCCD', 'CMND', 'PASSPORT'];
/** Identifiers that name an organization (one of them is required on its certificate). */
export const ORGANIZATION_KINDS: readonly IdentifierKind[] = ['MST', 'MNS'];

/**
 * Province codes, the first three digits of a 12-digit citizen identity number: the 63
 * provinces and centrally-run cities listed in Circular 07/2016/TT-BCA (Appendix). Codes not in
 * this table (003, 005, 097 …) are unassigned.
 */
export const CCCD_PROVINCES: Readonly<Record<string, string>> = Object.freeze({
  '001': 'Hà Nội',
  '002': 'Hà Giang',
  '004': 'Cao Bằng',
  '006': 'Bắc Kạn',
  '008': 'Tuyên Quang',
  '010': 'Lào Cai',
  '011': 'Điện Biên',
  '012': 'Lai Châu',
  '014': 'Sơn La',
  '015': 'Yên Bái',
  '017': 'Hòa Bình',
  '019': 'Thái Nguyên',
  '020': 'Lạng Sơn',
  '022': 'Quảng Ninh',
  '024': 'Bắc Giang',
  '025': 'Phú Thọ',
  '026': 'Vĩnh Phúc',
  '027': 'Bắc Ninh',
  '030': 'Hải Dương',
  '031': 'Hải Phòng',
  '033': 'Hưng Yên',
  '034': 'Thái Bình',
  '035': 'Hà Nam',
  '036': 'Nam Định',
  '037': 'Ninh Bình',
  '038': 'Thanh Hóa',
  '040': 'Nghệ An',
  '042': 'Hà Tĩnh',
  '044': 'Quảng Bình',
  '045': 'Quảng Trị',
  '046': 'Thừa Thiên Huế',
  '048': 'Đà Nẵng',
  '049': 'Quảng Nam',
  '051': 'Quảng Ngãi',
  '052': 'Bình Định',
  '054': 'Phú Yên',
  '056': 'Khánh Hòa',
  '058': 'Ninh Thuận',
  '060': 'Bình Thuận',
  '062': 'Kon Tum',
  '064': 'Gia Lai',
  '066': 'Đắk Lắk',
  '067': 'Đắk Nông',
  '068': 'Lâm Đồng',
  '070': 'Bình Phước',
  '072': 'Tây Ninh',
  '074': 'Bình Dương',
  '075': 'Đồng Nai',
  '077': 'Bà Rịa - Vũng Tàu',
  '079': 'TP Hồ Chí Minh',
  '080': 'Long An',
  '082': 'Tiền Giang',
  '083': 'Bến Tre',
  '084': 'Trà Vinh',
  '086': 'Vĩnh Long',
  '087': 'Đồng Tháp',
  '089': 'An Giang',
  '091': 'Kiên Giang',
  '092': 'Cần Thơ',
  '093': 'Hậu Giang',
  '094': 'Sóc Trăng',
  '095': 'Bạc Liêu',
  '096': 'Cà Mau',
});

/** Weights of the tax code's (MST, Circular 105/2020/TT-BTC Art. 5) check digit over digits 1–9. */
const MST_WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3] as const;

function invalid(kind: string, value: string, rule: string): AppError {
  return new AppError('UID_INVALID', `${kind} ${rule}`, { details: { kind, value } });
}

/** Check digit of the first nine digits of a tax code, or undefined when the sum gives 10 (no valid code). */
export function mstCheckDigit(first9: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * MST_WEIGHTS[i]!;
  const check = 10 - (sum % 11);
  return check === 10 ? undefined : check;
}

function checkMst(v: string): void {
  if (!/^\d{10}(-\d{3})?$/.test(v)) throw invalid('MST', v, 'must be 10 digits, or 10-3 digits for a branch (13-digit form)');
  const expected = mstCheckDigit(v.slice(0, 9));
  if (expected === undefined) throw invalid('MST', v, 'has no valid check digit for its first nine digits');
  if (Number(v[9]) !== expected) throw invalid('MST', v, `check digit (10th digit) must be ${expected}`);
}

/**
 * 12-digit citizen identity number (Circular 07/2016/TT-BCA Art. 7): province code (3), then
 * gender and century (one digit: 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s, 6/7 → 2200s, 8/9 → 2300s;
 * even = male), year of birth (2), then 6 random digits.
 */
function checkCccd(v: string, now: Date): void {
  if (!/^\d{12}$/.test(v)) throw invalid('CCCD', v, 'must be 12 digits (citizen identity card)');
  const province = v.slice(0, 3);
  if (!CCCD_PROVINCES[province])
    throw invalid('CCCD', v, `starts with ${province}, which is not a province code of Circular 07/2016/TT-BCA`);
  const year = birthYear(v);
  if (year > now.getUTCFullYear()) throw invalid('CCCD', v, `gives a birth year ${year} (digits 4–6) that is in the future`);
}

/** Birth year encoded in digits 4–6 of a 12-digit identity number. */
export function birthYear(cccd: string): number {
  const centuryDigit = Number(cccd[3]);
  const century = 1900 + Math.floor(centuryDigit / 2) * 100;
  return century + Number(cccd.slice(4, 6));
}

function checkCmnd(v: string, now: Date): void {
  if (!/^(\d{9}|\d{12})$/.test(v)) throw invalid('CMND', v, 'must be 9 or 12 digits (old identity card)');
  // the 12-digit card of 2012–2016 follows the citizen identity number's structure
  if (v.length === 12) checkCccd(v, now);
}

function checkPassport(v: string): void {
  // Vietnamese passports: one letter and seven digits (Circular 73/2021/TT-BCA); foreign ones
  // vary, ICAO Doc 9303 allows up to 9 alphanumerics in the document-number field.
  if (!/^[A-Z]\d{7}$/.test(v) && !/^[A-Z0-9]{6,9}$/.test(v))
    throw invalid('PASSPORT', v, 'must be a letter and 7 digits (Vietnamese) or 6–9 letters and digits (foreign)');
}

function checkMns(v: string): void {
  if (!/^\d{7}$/.test(v)) throw invalid('MNS', v, 'must be 7 digits (budget-unit code)');
}

const KINDS: readonly IdentifierKind[] = ['CCCD', 'CMND', 'PASSPORT', 'MST', 'MNS'];

export interface Identifier {
  readonly kind: IdentifierKind;
  readonly value: string;
}

/** Kinds a certificate UID may carry (a passport holder is not a subscriber of the provincial CA). */
export const UID_KINDS: readonly IdentifierKind[] = ['CCCD', 'CMND', 'MST', 'MNS'];

export interface ParseOptions {
  /** Kinds accepted (a requester's document is never an MST). */
  readonly allowed?: readonly IdentifierKind[];
  /** Also accept `KIND value`, as typed at a counter; a certificate UID is always `KIND:value`. */
  readonly spaceSeparator?: boolean;
  /** "Now" for the birth-year rule. */
  readonly now?: Date;
}

/** Parses and checks a prefixed identifier (`CCCD:001204567890`); returns the canonical `{kind, value}`. */
export function parseIdentifier(text: string, o: ParseOptions = {}): Identifier {
  const allowed = o.allowed ?? KINDS;
  const t = typeof text === 'string' ? text.trim() : '';
  const m = (o.spaceSeparator ? /^([A-Za-z]+)\s*[:\s]\s*(\S+)$/ : /^([A-Za-z]+):(\S+)$/).exec(t);
  const kind = m ? (m[1]!.toUpperCase() as IdentifierKind) : undefined;
  if (!m || !kind || !allowed.includes(kind))
    throw new AppError('UID_INVALID', `identifier must be ${allowed.map((k) => `${k}:…`).join(', ')}`, {
      details: { value: t.slice(0, 80), allowed, rule: 'prefix' },
    });
  const value = kind === 'PASSPORT' ? m[2]!.toUpperCase() : m[2]!;
  const now = o.now ?? new Date();
  if (kind === 'MST') checkMst(value);
  else if (kind === 'MNS') checkMns(value);
  else if (kind === 'CCCD') checkCccd(value, now);
  else if (kind === 'CMND') checkCmnd(value, now);
  else checkPassport(value);
  return { kind, value };
}

export const formatIdentifier = (id: Identifier): string => `${id.kind}:${id.value}`;

/** A certified-copy requester's identity document: CCCD, CMND or passport, normalised to `KIND:value`. */
export function validateIdDocument(text: string, now: Date = new Date()): string {
  return formatIdentifier(parseIdentifier(text, { allowed: PERSONAL_KINDS, spaceSeparator: true, now }));
}
