/**
 * Finding signature dictionaries and checking their byte ranges on raw bytes
 * (docs/signatures-and-validation.md rule A; ISO 32000-1 §12.8.1 Table 252 /ByteRange, /Contents).
 */
import type { Budget } from './limits.js';
import type { PdfRevisions } from '../syntax/revision-reader.js';
import { PdfDict, PdfName, PdfRef, PdfString } from '../syntax/objects.js';
import { asInt, dictOf, isName, pdfEqual, textOf, type PdfValue } from './values.js';
import type { Coverage } from './report.js';
import { viewOf } from './diff.js';

export interface FoundSignature {
  /** Object number of the signature dictionary (undefined when direct). */
  readonly num: number | undefined;
  readonly dict: PdfDict;
  readonly fieldNames: string[];
}

/** Signature dictionaries referenced from signature fields of the final revision (in field order). */
export function findSignatures(pdf: PdfRevisions, budget: Budget): FoundSignature[] {
  const N = pdf.revisions.length - 1;
  const view = viewOf(pdf, N, budget);
  const out: FoundSignature[] = [];
  const byKey = new Map<string, FoundSignature>();
  for (const f of view.fields) {
    if (f.ft !== 'Sig') continue;
    const v = f.value;
    const d = dictOf(pdf.resolve(v, N));
    if (!d || d.get('ByteRange') === undefined) continue;
    const key = v instanceof PdfRef ? `r${v.num}` : `d${d.start}`;
    const hit = byKey.get(key);
    if (hit) {
      hit.fieldNames.push(f.name);
      continue;
    }
    const s = { num: v instanceof PdfRef ? v.num : undefined, dict: d, fieldNames: [f.name] };
    byKey.set(key, s);
    out.push(s);
  }
  if (out.length === 0) {
    // no usable AcroForm: scan the final revision's objects for signature dictionaries
    for (const num of pdf.objectNumbers(N)) {
      budget.check();
      const d = pdf.object(num, N);
      if (
        d instanceof PdfDict &&
        d.get('ByteRange') !== undefined &&
        d.get('Contents') instanceof PdfString &&
        (isName(d.get('Type'), 'Sig') || isName(d.get('Type'), 'DocTimeStamp') || d.get('Filter') instanceof PdfName)
      ) {
        out.push({ num, dict: d, fieldNames: [] });
      }
    }
  }
  return out;
}

export interface ByteRangeCheck {
  readonly byteRange: number[] | null;
  readonly valid: boolean;
  readonly messages: string[];
  readonly coverage: Coverage;
  readonly signedRevision: number | undefined;
  readonly signedLength: number;
  /** The ranges lie inside the file, so their digest can be computed even if the layout is invalid. */
  readonly hashable: [number, number][] | undefined;
}

/** Rule A.1-A.3. */
export function checkByteRange(pdf: PdfRevisions, dict: PdfDict): ByteRangeCheck {
  const messages: string[] = [];
  const buf = pdf.buf;
  const raw = pdf.resolve(dict.get('ByteRange'));
  const contents = pdf.resolve(dict.get('Contents'));
  const br = Array.isArray(raw) ? raw.map((x) => asInt(x as PdfValue)) : [];
  let hashable: [number, number][] | undefined;
  if (br.length >= 2 && br.length % 2 === 0 && br.length <= 64 && br.every((x) => x !== undefined && x >= 0)) {
    hashable = [];
    for (let i = 0; i < br.length; i += 2) hashable.push([br[i]!, br[i]! + br[i + 1]!]);
    if (hashable.some(([s, e]) => e > buf.length || s > e)) hashable = undefined;
  }
  if (br.length !== 4 || br.some((x) => x === undefined || x < 0)) {
    messages.push('BYTE_RANGE_MALFORMED');
    return { byteRange: null, valid: false, messages, coverage: 'INVALID', signedRevision: undefined, signedLength: 0, hashable };
  }
  const [a, b, c, d] = br as [number, number, number, number];
  let valid = true;
  if (a !== 0) {
    valid = false;
    messages.push('BYTE_RANGE_NOT_FROM_START');
  }
  if (c < b) {
    valid = false;
    messages.push('BYTE_RANGE_OVERLAP');
  }
  if (c + d > buf.length || b > buf.length) {
    valid = false;
    messages.push('BYTE_RANGE_OUTSIDE_FILE');
  }
  if (!(contents instanceof PdfString) || !contents.hex) {
    valid = false;
    messages.push('CONTENTS_NOT_HEX_STRING');
  }
  if (valid) {
    if (buf[b] !== 0x3c || buf[c - 1] !== 0x3e) {
      valid = false;
      messages.push('BYTE_RANGE_GAP_NOT_CONTENTS');
    } else {
      const gap = buf.toString('latin1', b + 1, c - 1).replace(/[\0\t\n\f\r ]/g, '');
      if (!/^[0-9a-fA-F]*$/.test(gap) || gap.length % 2 !== 0 || !Buffer.from(gap, 'hex').equals((contents as PdfString).bytes)) {
        valid = false;
        messages.push('BYTE_RANGE_CONTENTS_MISMATCH');
      }
    }
  }
  const end = c + d;
  let coverage: Coverage = 'INVALID';
  let signedRevision: number | undefined;
  if (valid) {
    for (const r of pdf.revisions) {
      if (end === r.end || (r.eofAt >= 0 && end >= r.eofAt + 5 && end <= r.end)) {
        if (r.startxref === undefined || r.sections.some((s) => s.offset === r.startxref)) signedRevision = r.index;
      }
    }
    if (end === buf.length) coverage = 'ENTIRE_FILE';
    else if (signedRevision !== undefined) coverage = 'ENTIRE_REVISION';
    else messages.push('COVERAGE_INVALID');
    if (signedRevision === undefined && end === buf.length) signedRevision = pdf.revisions.length - 1;
  }
  return { byteRange: [a, b, c, d], valid, messages, coverage, signedRevision, signedLength: valid ? end : 0, hashable };
}

/** Rule A.4: the dictionary as read from the signed revision equals the one in the final file. */
export function dictionaryConsistent(pdf: PdfRevisions, found: FoundSignature, signedRevision: number | undefined): boolean {
  if (signedRevision === undefined) return false;
  if (found.num === undefined) return true; // direct dictionary: its field object is diffed instead
  const then = pdf.object(found.num, signedRevision);
  return then instanceof PdfDict && pdfEqual(then, found.dict);
}

export function textField(pdf: PdfRevisions, d: PdfDict, key: string): string | null {
  return textOf(pdf.resolve(d.get(key))) ?? null;
}

/** PDF date (ISO 32000-1 §7.9.4) to ISO 8601, or null. */
export function pdfDate(s: string | null): string | null {
  if (!s) return null;
  const m = s.match(/^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/);
  if (!m) return null;
  let t = Date.UTC(Number(m[1]), Number(m[2] ?? 1) - 1, Number(m[3] ?? 1), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (m[7] === '+' || m[7] === '-') t -= (m[7] === '-' ? -1 : 1) * (Number(m[8] ?? 0) * 60 + Number(m[9] ?? 0)) * 60_000;
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}
