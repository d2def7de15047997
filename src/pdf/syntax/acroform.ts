import type { PdfDocument } from './document.js';
import { PdfDict, PdfRef, PdfString, type PdfObject } from './objects.js';

/** A terminal form field (ISO 32000-1 §12.7.3.1) with its fully qualified name. */
export interface FormField {
  /** Fully qualified name: partial names of the ancestors joined by '.' (§12.7.3.2). */
  name: string;
  ref: PdfRef | undefined;
  dict: PdfDict;
  /** /FT, inherited from ancestors when absent. */
  fieldType: string | undefined;
  /** /V (inherited), unresolved. */
  value: PdfObject | undefined;
  /** Widget annotations: the field itself when merged with its widget, else its widget kids. */
  widgets: Array<{ ref: PdfRef | undefined; dict: PdfDict }>;
  /** /Lock (signature fields, §12.7.4.5), resolved. */
  lock: PdfDict | undefined;
}

/** The AcroForm dictionary, or undefined. */
export function acroForm(doc: PdfDocument): PdfDict | undefined {
  return doc.getDict(doc.catalog, 'AcroForm');
}

/**
 * All terminal fields reachable from /AcroForm /Fields, descending /Kids. Cycle-safe (each node
 * once) and depth-limited. Nodes without /T under a field are its widgets.
 */
export function formFields(doc: PdfDocument): FormField[] {
  const out: FormField[] = [];
  const af = acroForm(doc);
  const fields = doc.resolve(af?.get('Fields'));
  if (!Array.isArray(fields)) return out;
  const seen = new Set<number>();
  const visit = (
    o: PdfObject,
    parentName: string,
    inheritedFT: string | undefined,
    inheritedV: PdfObject | undefined,
    depth: number,
  ): void => {
    if (depth > doc.limits.maxTreeDepth) return;
    const r = o instanceof PdfRef ? o : undefined;
    if (r) {
      if (seen.has(r.num)) return;
      seen.add(r.num);
    }
    let d: PdfObject | undefined;
    try {
      d = doc.resolve(o);
    } catch {
      return; // an unreadable field does not hide the others
    }
    if (!(d instanceof PdfDict)) return;
    const t = d.get('T');
    const partial = t instanceof PdfString ? t.text() : undefined;
    const fqName = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const ft = d.getName('FT') ?? inheritedFT;
    const v = d.has('V') ? d.get('V') : inheritedV;
    const kids = doc.resolve(d.get('Kids'));
    const fieldKids: PdfObject[] = [];
    const widgetKids: Array<{ ref: PdfRef | undefined; dict: PdfDict }> = [];
    if (Array.isArray(kids)) {
      for (const k of kids) {
        let kd: PdfObject | undefined;
        try {
          kd = doc.resolve(k);
        } catch {
          continue;
        }
        if (!(kd instanceof PdfDict)) continue;
        if (kd.has('T')) fieldKids.push(k);
        else widgetKids.push({ ref: k instanceof PdfRef ? k : undefined, dict: kd });
      }
    }
    if (fieldKids.length > 0) {
      for (const k of fieldKids) visit(k, fqName, ft, v, depth + 1);
      return;
    }
    const widgets = widgetKids.length > 0 ? widgetKids : d.getName('Subtype') === 'Widget' || d.has('Rect') ? [{ ref: r, dict: d }] : [];
    const lock = doc.getDict(d, 'Lock');
    out.push({ name: fqName, ref: r, dict: d, fieldType: ft, value: v, widgets, lock });
  };
  for (const f of fields) visit(f, '', undefined, undefined, 0);
  return out;
}
