/**
 * DocMDP, FieldMDP and field locks (ISO 32000-1 §12.8.2.2-§12.8.2.4, ISO 32000-2 §12.8.2.4 /Lock
 * and /P in FieldMDP; docs/signatures-and-validation.md rules 7 and 10). The changes after the signed revision were
 * classified by diff.ts; this module decides which of them the signature's permissions allow.
 */
import type { Budget } from './limits.js';
import type { PdfRevisions } from '../syntax/revision-reader.js';
import { PdfName, type PdfDict } from '../syntax/objects.js';
import { asInt, dictOf, isName, textOf, type PdfValue } from './values.js';
import type { DiffResult } from './diff.js';
import { P3_FORBIDDEN_ANNOTS } from './diff.js';
import type { MdpResult, SignatureReport } from './report.js';

/**
 * `lock` is the signature field's /Lock dictionary (ISO 32000-2 §12.7.5.5): it locks fields
 * once this field is signed, even when the signature dictionary carries no FieldMDP reference.
 */
export function checkMdp(
  pdf: PdfRevisions,
  dict: PdfDict,
  kind: SignatureReport['kind'],
  diff: DiffResult | undefined,
  budget: Budget,
  lock?: PdfDict,
): MdpResult {
  budget.check();
  const violations: string[] = [];
  let docMdpP: 1 | 2 | 3 | null = null;
  let fieldMdp: MdpResult['fieldMdp'] = null;
  const refs = pdf.resolve(dict.get('Reference'));
  for (const r of Array.isArray(refs) ? refs : []) {
    const rd = dictOf(pdf.resolve(r));
    if (!rd) continue;
    const tp = dictOf(pdf.resolve(rd.get('TransformParams')));
    if (isName(rd.get('TransformMethod'), 'DocMDP')) {
      const p = asInt(pdf.resolve(tp?.get('P')));
      docMdpP = p === 1 || p === 3 ? p : 2;
    }
    if (isName(rd.get('TransformMethod'), 'FieldMDP') && tp) fieldMdp = fieldParams(pdf, tp);
  }
  if (!fieldMdp && lock) fieldMdp = fieldParams(pdf, lock);
  if (kind === 'certification' && docMdpP === null) docMdpP = 2;
  if (diff) {
    if (docMdpP === 1 && (diff.signatureOrFormFill || diff.annotation || diff.other)) violations.push('DOCMDP_VIOLATION');
    if (docMdpP === 2) {
      if (diff.annotation || diff.other) violations.push('DOCMDP_VIOLATION');
      if (diff.newVisibleSignatureFields.length) violations.push('DOCMDP_NEW_VISIBLE_SIGNATURE_FIELD');
    }
    if (docMdpP === 3) {
      if (diff.other) violations.push('DOCMDP_VIOLATION');
      if (diff.newAnnotations.some((a) => P3_FORBIDDEN_ANNOTS.has(a.subtype) || a.overlaps)) violations.push('DOCMDP_VIOLATION');
    }
    if (fieldMdp && lockedChanged(fieldMdp, diff.changedFields)) violations.push('FIELDMDP_VIOLATION');
  }
  return { docMdpP, fieldMdp, violations: [...new Set(violations)] };
}

function fieldParams(pdf: PdfRevisions, tp: PdfDict): { action: string; fields: string[] } {
  const a = pdf.resolve(tp.get('Action'));
  const f = pdf.resolve(tp.get('Fields'));
  const fields = Array.isArray(f) ? f.map((x: PdfValue) => textOf(pdf.resolve(x)) ?? '').filter(Boolean) : [];
  return { action: a instanceof PdfName ? a.name : 'All', fields };
}

function lockedChanged(p: { action: string; fields: readonly string[] }, changed: ReadonlySet<string>): boolean {
  for (const name of changed) {
    const listed = p.fields.some((f) => name === f || name.startsWith(`${f}.`));
    if (p.action === 'All' || (p.action === 'Include' && listed) || (p.action === 'Exclude' && !listed)) return true;
  }
  return false;
}
