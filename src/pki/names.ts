import { AppError } from '../core/errors.js';
import { ia5, oid, printable, seq, set, utf8, type Der } from '../core/der.js';
import type { ErrorCode } from '../core/error-codes.js';
import { children, decodeOidContent, derError, readDer } from '../core/der-reader.js';
import { OID } from '../core/oids.js';
import type { SubjectFields } from './ports.js';

/**
 * Vietnamese subject names (docs/domain.md "Certificates for official use"): C=VN, ST, L, O, OU (repeatable), T, CN,
 * UID (repeatable, prefixed identifiers), E. Strings are UTF8String as RFC 5280 §4.1.2.6 requires
 * for new certificates, except countryName (PrintableString, X.520) and emailAddress (IA5String,
 * PKCS #9). Text is NFC-normalised so "ệ" typed as e+◌̂+◌̣ and as one code point compare equal.
 */

/** Upper bounds from RFC 5280 Appendix A.1 (ub-*). */
const MAX = { cn: 64, o: 64, ou: 64, l: 128, st: 128, t: 64, email: 255, uid: 64 } as const;

const UID_RULES: readonly { prefix: string; re: RegExp; what: string }[] = [
  { prefix: 'CCCD', re: /^\d{12}$/, what: '12 digits (citizen identity card)' },
  { prefix: 'CMND', re: /^(\d{9}|\d{12})$/, what: '9 or 12 digits (old identity card)' },
  { prefix: 'MST', re: /^\d{10}(-\d{3})?$/, what: '10 digits, or 10-3 for a branch (tax code)' },
  { prefix: 'MNS', re: /^\d{7}$/, what: '7 digits (budget-unit code)' },
];

/** Validates one prefixed UID (`CCCD:001234567890`); throws UID_INVALID naming the rule. */
export function validateUid(value: string): string {
  const v = value.trim();
  const colon = v.indexOf(':');
  const prefix = colon > 0 ? v.slice(0, colon).toUpperCase() : '';
  const rule = UID_RULES.find((r) => r.prefix === prefix);
  if (!rule) {
    throw new AppError('UID_INVALID', 'UID must start with CCCD:, CMND:, MST: or MNS:', { details: { uid: v } });
  }
  const body = v.slice(colon + 1);
  if (!rule.re.test(body)) {
    throw new AppError('UID_INVALID', `${rule.prefix} must be ${rule.what}`, { details: { uid: v } });
  }
  if (rule.prefix === 'CCCD' && (body.startsWith('000') || Number(body.slice(0, 3)) > 96)) {
    throw new AppError('UID_INVALID', 'CCCD must start with a province code 001-096', { details: { uid: v } });
  }
  return `${rule.prefix}:${body}`;
}

function text(field: string, value: string | undefined, max: number, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw new AppError('SUBJECT_INVALID', `${field} is required`, { details: { field } });
    return undefined;
  }
  if (typeof value !== 'string') throw new AppError('SUBJECT_INVALID', `${field} must be a string`, { details: { field } });
  if (/\p{Cs}/u.test(value)) throw new AppError('SUBJECT_INVALID', `${field} is not valid Unicode`, { details: { field } });
  const v = value.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (v.length === 0) {
    if (required) throw new AppError('SUBJECT_INVALID', `${field} is required`, { details: { field } });
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v))
    throw new AppError('SUBJECT_INVALID', `${field} contains control characters`, { details: { field } });
  if ([...v].length > max) throw new AppError('SUBJECT_INVALID', `${field} longer than ${max} characters`, { details: { field, max } });
  return v;
}

/** Validates and normalises a subject; throws SUBJECT_INVALID / UID_INVALID. */
export function normalizeSubject(s: SubjectFields): SubjectFields {
  if (!s || typeof s !== 'object') throw new AppError('SUBJECT_INVALID', 'subject is required');
  const country = (s.country ?? 'VN').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country))
    throw new AppError('SUBJECT_INVALID', 'country must be a two-letter ISO 3166 code', { details: { field: 'country' } });
  const email = text('email', s.email, MAX.email);
  if (
    email !== undefined &&
    !/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(
      email,
    )
  ) {
    throw new AppError('SUBJECT_INVALID', 'email is not a valid ASCII e-mail address', { details: { field: 'email' } });
  }
  const ous = (s.organizationalUnits ?? []).map((u, i) => text(`organizationalUnits[${i}]`, u, MAX.ou, true) as string);
  const uids = (s.uids ?? []).map(validateUid);
  if (new Set(uids).size !== uids.length) throw new AppError('UID_INVALID', 'duplicate UID', { details: { uids } });
  const out: { -readonly [K in keyof SubjectFields]: SubjectFields[K] } = {
    country,
    commonName: text('commonName', s.commonName, MAX.cn, true) as string,
  };
  const province = text('province', s.province, MAX.st);
  const locality = text('locality', s.locality, MAX.l);
  const organization = text('organization', s.organization, MAX.o);
  const title = text('title', s.title, MAX.t);
  if (province) out.province = province;
  if (locality) out.locality = locality;
  if (organization) out.organization = organization;
  if (ous.length) out.organizationalUnits = ous;
  if (title) out.title = title;
  if (uids.length) out.uids = uids;
  if (email) out.email = email;
  return out;
}

const atv = (type: string, value: Der): Der => set(seq(oid(type), value));

/** DER Name for a (normalised) subject, one attribute per RDN, in C → E order. */
export function encodeSubject(s: SubjectFields): Der {
  const rdns: Der[] = [];
  if (s.country) rdns.push(atv(OID.countryName, printable(s.country)));
  if (s.province) rdns.push(atv(OID.stateOrProvinceName, utf8(s.province)));
  if (s.locality) rdns.push(atv(OID.localityName, utf8(s.locality)));
  if (s.organization) rdns.push(atv(OID.organizationName, utf8(s.organization)));
  for (const ou of s.organizationalUnits ?? []) rdns.push(atv(OID.organizationalUnitName, utf8(ou)));
  if (s.title) rdns.push(atv(OID.title, utf8(s.title)));
  rdns.push(atv(OID.commonName, utf8(s.commonName)));
  for (const u of s.uids ?? []) rdns.push(atv(OID.uid, utf8(u)));
  if (s.email) rdns.push(atv(OID.emailAddress, ia5(s.email)));
  return seq(...rdns);
}

const SHORT: Record<string, string> = {
  [OID.countryName]: 'C',
  [OID.stateOrProvinceName]: 'ST',
  [OID.localityName]: 'L',
  [OID.organizationName]: 'O',
  [OID.organizationalUnitName]: 'OU',
  [OID.commonName]: 'CN',
  [OID.title]: 'T',
  [OID.serialNumber]: 'serialNumber',
  [OID.emailAddress]: 'E',
  [OID.uid]: 'UID',
};

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const C: ErrorCode = 'SUBJECT_INVALID';
const DER = { der: true } as const;

function decodeString(tag: number, b: Buffer): string {
  switch (tag) {
    case 0x0c:
      return UTF8.decode(b);
    case 0x1e: {
      let s = '';
      for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
      return s;
    }
    case 0x1c: {
      let s = '';
      for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(b.readUInt32BE(i));
      return s;
    }
    case 0x14:
      return b.toString('latin1');
    default:
      return b.toString('latin1');
  }
}

/** Attributes of a DER Name in encoding order: [{type: 'CN', oid, value}]. */
export function parseName(der: Buffer): { type: string; oid: string; value: string }[] {
  try {
    const name = readDer(der, 0, C, DER);
    if (name.tag !== 0x30) throw derError(C, 'Name is not a SEQUENCE');
    const out: { type: string; oid: string; value: string }[] = [];
    for (const rdn of children(name, C, DER)) {
      for (const a of children(rdn, C, DER)) {
        const [t, v] = children(a, C, DER);
        if (!t || !v) throw derError(C, 'bad AttributeTypeAndValue');
        const o = decodeOidContent(t.content);
        out.push({ type: SHORT[o] ?? o, oid: o, value: decodeString(v.tag, v.content) });
      }
    }
    return out;
  } catch (e) {
    throw new AppError('SUBJECT_INVALID', 'name is not valid DER', { cause: e });
  }
}

function escapeValue(v: string): string {
  let s = v.replace(/([\\,+"<>;=])/g, '\\$1');
  if (s.startsWith('#') || s.startsWith(' ')) s = '\\' + s;
  if (s.endsWith(' ')) s = s.slice(0, -1) + '\\ ';
  return s;
}

/** Display form, most specific first like RFC 4514 (`CN=…, OU=…, O=…, C=VN`). */
export function renderName(der: Buffer): string {
  return parseName(der)
    .reverse()
    .map((a) => `${a.type}=${escapeValue(a.value)}`)
    .join(', ');
}

/** Same string as `renderName(encodeSubject(s))`, without the encode/parse round trip. */
export function renderSubject(s: SubjectFields): string {
  const parts: string[] = [];
  if (s.email) parts.push(`E=${escapeValue(s.email)}`);
  for (const u of [...(s.uids ?? [])].reverse()) parts.push(`UID=${escapeValue(u)}`);
  parts.push(`CN=${escapeValue(s.commonName)}`);
  if (s.title) parts.push(`T=${escapeValue(s.title)}`);
  for (const ou of [...(s.organizationalUnits ?? [])].reverse()) parts.push(`OU=${escapeValue(ou)}`);
  if (s.organization) parts.push(`O=${escapeValue(s.organization)}`);
  if (s.locality) parts.push(`L=${escapeValue(s.locality)}`);
  if (s.province) parts.push(`ST=${escapeValue(s.province)}`);
  if (s.country) parts.push(`C=${escapeValue(s.country)}`);
  return parts.join(', ');
}
