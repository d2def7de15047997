/**
 * Form-field changes after a signed revision that the object diff (diff.ts) counts as form filling
 * but that are not (ISO 32000-1 §12.8.2.2 Table 254: P=2 permits "filling in forms, instantiating
 * page templates, and signing" — filling existing fields and signing, not building new form):
 * - a new field that is not a signature field, or a new widget on an existing field;
 * - a signature field whose /V is not a signature that validates (§12.7.4.5: the value of a
 *   signature field is a signature dictionary, §12.8.1). A dictionary without a byte range, or one
 *   whose CMS does not verify, next to a "signed" appearance, is a forged signature: it hides the
 *   real signature it replaces and is never a legitimate change, whatever the DocMDP level.
 * New signature fields that hold a signature that validates are returned for the caller to judge
 * by what their widgets cover.
 */
import type { PdfRevisions } from '../syntax/revision-reader.js';
import type { Budget } from './limits.js';
import { viewOf } from './diff.js';
import type { FieldInfo, RevisionView } from './structure.js';
import { dictOf, pdfEqual } from './values.js';
import { area, boxOfRect } from '../content/box.js';

export interface FieldRuleFindings {
  /** Not form filling under P=2: new non-signature fields, new widgets on existing fields. */
  readonly notFormFilling: string[];
  /** Signature fields whose value is not a signature that validates. */
  readonly fakeSignatures: string[];
  /** New signature fields holding a signature that validates. */
  readonly newSignatureFields: FieldInfo[];
  /** Names of new signature fields with a visible widget that hold no signature that validates. */
  readonly visibleWithoutSignature: string[];
}

/** `validSignatureIn(name)`: the field holds a signature dictionary whose digest and signature value verify. */
export function fieldRuleFindings(
  pdf: PdfRevisions,
  k: number,
  budget: Budget,
  validSignatureIn: (fieldName: string) => boolean,
): FieldRuleFindings {
  const N = pdf.revisions.length - 1;
  const out: FieldRuleFindings = { notFormFilling: [], fakeSignatures: [], newSignatureFields: [], visibleWithoutSignature: [] };
  if (k >= N) return out;
  const old = viewOf(pdf, k, budget);
  const cur = viewOf(pdf, N, budget);
  const oldByName = new Map(old.fields.map((f) => [f.name, f]));
  for (const f of cur.fields) {
    budget.check();
    const was = f.num !== undefined && old.fieldNums.has(f.num) ? oldByName.get(f.name) : undefined;
    const where = pagesOf(cur, f);
    if (!was) {
      if (f.ft !== 'Sig') {
        out.notFormFilling.push(`new ${f.ft ?? 'untyped'} field “${f.name}”${where}`);
        continue;
      }
      if (validSignatureIn(f.name)) out.newSignatureFields.push(f);
      else if (f.value !== undefined) out.fakeSignatures.push(`new signature field “${f.name}”${where} holds no valid signature`);
      else if (visible(pdf, f)) out.visibleWithoutSignature.push(f.name);
      continue;
    }
    const newWidgets = f.widgets.filter((w) => !was.widgets.includes(w));
    if (newWidgets.length) out.notFormFilling.push(`new widget on field “${f.name}”${where}`);
    if (f.ft === 'Sig' && f.value !== undefined && !pdfEqual(was.value, f.value) && !validSignatureIn(f.name))
      out.fakeSignatures.push(`signature field “${f.name}”${where} was given a value that is not a valid signature`);
  }
  return out;
}

function visible(pdf: PdfRevisions, f: FieldInfo): boolean {
  return f.widgets.some((w) => {
    const r = pdf.resolve(dictOf(pdf.object(w))?.get('Rect'));
    return Array.isArray(r) && r.length === 4 && r.every((x) => typeof x === 'number') && area(boxOfRect(r as number[])) > 0;
  });
}

/** " on page 2" for the pages the field's widgets are on (report details name pages, not objects). */
function pagesOf(view: RevisionView, f: FieldInfo): string {
  const pages: number[] = [];
  view.pageNums.forEach((num, i) => {
    if ((view.annots.get(num) ?? []).some((a) => f.widgets.includes(a))) pages.push(i + 1);
  });
  return pages.length ? ` on page ${pages.join(', ')}` : '';
}
