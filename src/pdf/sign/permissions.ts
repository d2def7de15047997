import { AppError } from '../../core/errors.js';
import type { PdfDocument } from '../syntax/document.js';
import { formFields, type FormField } from '../syntax/acroform.js';
import { PdfDict, PdfString, type PdfObject } from '../syntax/objects.js';
import { unsignedPlaceholders } from './unsigned-placeholder.js';

/** A FieldMDP / lock rule (ISO 32000-1 §12.8.2.4, Table 256; §12.7.4.5 Table 233). */
export interface FieldLockRule {
  action: 'All' | 'Include' | 'Exclude';
  fields: string[];
  /** The signature field the rule comes from. */
  from: string;
}

/** DocMDP P of the certification signature (§12.8.2.2, Table 254; default 2), or undefined when not certified. */
export function docMdpPermission(doc: PdfDocument): number | undefined {
  const perms = doc.getDict(doc.catalog, 'Perms');
  const sig = doc.getDict(perms, 'DocMDP');
  if (!sig) return undefined;
  for (const r of asArray(doc.get(sig, 'Reference'))) {
    const ref = doc.resolve(r);
    if (!(ref instanceof PdfDict) || ref.getName('TransformMethod') !== 'DocMDP') continue;
    const p = doc.getDict(ref, 'TransformParams')?.getNumber('P');
    return p === 1 || p === 2 || p === 3 ? p : 2;
  }
  return 2;
}

function asArray(o: PdfObject | undefined): PdfObject[] {
  return Array.isArray(o) ? o : [];
}

function ruleFrom(doc: PdfDocument, d: PdfDict, from: string): FieldLockRule | undefined {
  const action = d.getName('Action');
  if (action !== 'All' && action !== 'Include' && action !== 'Exclude') return undefined;
  const fields = asArray(doc.get(d, 'Fields'))
    .map((x) => doc.resolve(x))
    .filter((x): x is PdfString => x instanceof PdfString)
    .map((x) => x.text());
  return { action, fields, from };
}

/**
 * Field locks in force: FieldMDP transforms of existing signatures and /Lock dictionaries of
 * signed signature fields (a lock takes effect when its field is signed).
 */
export function fieldLocks(doc: PdfDocument, fields: FormField[] = formFields(doc)): FieldLockRule[] {
  const out: FieldLockRule[] = [];
  // an unsigned placeholder never took effect, so neither did its lock
  const unsigned = new Set(unsignedPlaceholders(doc, fields).map((p) => p.field));
  for (const f of fields) {
    if (f.fieldType !== 'Sig' || !f.value || unsigned.has(f)) continue;
    if (f.lock) {
      const r = ruleFrom(doc, f.lock, f.name);
      if (r) out.push(r);
    }
    const sig = doc.resolve(f.value);
    if (!(sig instanceof PdfDict)) continue;
    for (const x of asArray(doc.get(sig, 'Reference'))) {
      const ref = doc.resolve(x);
      if (!(ref instanceof PdfDict) || ref.getName('TransformMethod') !== 'FieldMDP') continue;
      const params = doc.getDict(ref, 'TransformParams');
      const r = params && ruleFrom(doc, params, f.name);
      if (r) out.push(r);
    }
  }
  return out;
}

/** Whether a rule locks the field named `name` (undefined: a field that does not exist yet). */
function locks(rule: FieldLockRule, name: string | undefined): boolean {
  if (rule.action === 'All') return true;
  if (name === undefined) return false; // a new field is not listed by name
  const listed = rule.fields.includes(name);
  return rule.action === 'Include' ? listed : !listed;
}

/**
 * Refuses a signature the document's earlier signatures forbid (PDF_SIGNING_FORBIDDEN):
 * DocMDP P=1 forbids any change (§12.8.2.2); P=2 allows filling and signing existing fields but a
 * new visible signature field is a change a validator flags; FieldMDP/Lock rules forbid
 * touching the fields they lock (a new field is refused only by /Action /All).
 * Document timestamps and DSS updates are always allowed (ETSI EN 319 142-1 §5.4, §5.5).
 */
export function assertSigningAllowed(
  doc: PdfDocument,
  o: { targetField: string | undefined; newVisibleField: boolean; docTimestamp: boolean; certify: boolean; fields: FormField[] },
): void {
  if (o.docTimestamp) return;
  const p = docMdpPermission(doc);
  if (o.certify) {
    if (p !== undefined)
      throw new AppError(
        'PDF_SIGNING_FORBIDDEN',
        'the document is already certified; a certification signature must be the first signature',
      );
    const unsigned = new Set(unsignedPlaceholders(doc, o.fields).map((p) => p.field));
    if (o.fields.some((f) => f.fieldType === 'Sig' && f.value && !unsigned.has(f)))
      throw new AppError('PDF_SIGNING_FORBIDDEN', 'a certification signature must be the first signature of the document');
  }
  if (p === 1)
    throw new AppError('PDF_SIGNING_FORBIDDEN', 'the certification signature (DocMDP P=1) permits no changes, not even a new signature');
  if (p === 2 && o.newVisibleField)
    throw new AppError(
      'PDF_SIGNING_FORBIDDEN',
      'the certification signature (DocMDP P=2) permits signing existing fields only; a new visible signature field would be a disallowed change',
      { details: { docMdp: 2 } },
    );
  for (const rule of fieldLocks(doc, o.fields)) {
    if (locks(rule, o.targetField))
      throw new AppError(
        'PDF_SIGNING_FORBIDDEN',
        `field lock of signature "${rule.from}" (FieldMDP /${rule.action}) forbids this signature`,
        { details: { lockedBy: rule.from, action: rule.action } },
      );
  }
}
