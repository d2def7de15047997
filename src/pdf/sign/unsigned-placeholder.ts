import type { FormField } from '../syntax/acroform.js';
import type { PdfDocument } from '../syntax/document.js';
import { PdfDict, PdfRef, PdfString } from '../syntax/objects.js';

/**
 * A signature field whose /V is a signature dictionary that was never signed: its /Contents is
 * all zeros (ISO 32000-1 §12.8.1: the placeholder a signing tool reserves before the CMS exists).
 * Such a field is not a signature (no CMS, nothing it protects), only a broken one a validator
 * reports; its value can be replaced by a real signature in an incremental update.
 */
export interface UnsignedPlaceholder {
  readonly field: FormField;
  /** Reference of the unsigned signature dictionary (/V). */
  readonly signatureRef: PdfRef;
  readonly signature: PdfDict;
}

export function unsignedPlaceholders(doc: PdfDocument, fields: readonly FormField[]): UnsignedPlaceholder[] {
  const out: UnsignedPlaceholder[] = [];
  for (const f of fields) {
    if (f.fieldType !== 'Sig' || !(f.value instanceof PdfRef)) continue;
    const sig = doc.resolve(f.value);
    if (!(sig instanceof PdfDict)) continue;
    const c = sig.get('Contents');
    if (c instanceof PdfString && c.bytes.length > 0 && c.bytes.every((b) => b === 0))
      out.push({ field: f, signatureRef: f.value, signature: sig });
  }
  return out;
}

/** Whether the catalog's /Perms /DocMDP names this (unsigned) signature dictionary. */
export function isCertificationPlaceholder(doc: PdfDocument, p: UnsignedPlaceholder): boolean {
  const perms = doc.getDict(doc.catalog, 'Perms');
  const docMdp = perms?.get('DocMDP');
  return docMdp instanceof PdfRef && docMdp.equals(p.signatureRef);
}
