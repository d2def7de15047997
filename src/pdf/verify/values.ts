/**
 * Small helpers over the pdf/syntax object model used by the validator's rules: typed access
 * and the structural equality of the revision diff (docs/signatures-and-validation.md rules 6-10).
 */
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfObject } from '../syntax/objects.js';

/** Any PDF value as read from a file. */
export type PdfValue = PdfObject;

export function isName(v: PdfValue | undefined, name?: string): v is PdfName {
  return v instanceof PdfName && (name === undefined || v.name === name);
}
export function asInt(v: PdfValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}
export function dictOf(v: PdfValue | undefined): PdfDict | undefined {
  if (v instanceof PdfDict) return v;
  if (v instanceof PdfStream) return v.dict;
  return undefined;
}
/** A text string (ISO 32000-1 §7.9.2.2); odd-length UTF-16 is not text (undefined). */
export function textOf(v: PdfValue | undefined): string | undefined {
  if (!(v instanceof PdfString)) return undefined;
  const b = v.bytes;
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff && (b.length - 2) % 2) return undefined;
  return v.text();
}

/**
 * Structural equality of two values (used by the revision diff). Numbers compare numerically
 * (so `1` equals `1.0`, as DSS's lax mode does); references compare by number/generation only
 * — what they point to is compared object by object elsewhere.
 */
export function pdfEqual(a: PdfValue | undefined, b: PdfValue | undefined, depth = 0): boolean {
  if (depth > 64) return false;
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a instanceof PdfName) return b instanceof PdfName && a.name === b.name;
  if (a instanceof PdfRef) return b instanceof PdfRef && a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfString) return b instanceof PdfString && a.bytes.equals(b.bytes);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => pdfEqual(x, b[i], depth + 1));
  }
  if (a instanceof PdfStream) return b instanceof PdfStream && dictEqual(a.dict, b.dict, depth, ['Length']);
  if (a instanceof PdfDict) return b instanceof PdfDict && dictEqual(a, b, depth, []);
  return false;
}

function dictEqual(a: PdfDict, b: PdfDict, depth: number, ignore: string[]): boolean {
  const keys = new Set([...a.map.keys(), ...b.map.keys()]);
  for (const k of keys) {
    if (ignore.includes(k)) continue;
    const x = a.map.get(k);
    const y = b.map.get(k);
    // a key with value null is the same as an absent key (ISO 32000-1 §7.3.7)
    if ((x === undefined || x === null) && (y === undefined || y === null)) continue;
    if (!pdfEqual(x, y, depth + 1)) return false;
  }
  return true;
}

/** Keys whose values differ between two dictionaries (absent and null are equal). */
export function changedKeys(a: PdfDict, b: PdfDict): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.map.keys(), ...b.map.keys()])) {
    const x = a.map.get(k);
    const y = b.map.get(k);
    if ((x === undefined || x === null) && (y === undefined || y === null)) continue;
    if (!pdfEqual(x, y)) out.push(k);
  }
  return out;
}
