/**
 * Where each change after a signature is, for a reader (ISO 32000-1 §12.8.2.2 classes of
 * permitted changes; ETSI EN 319 142-1 §5.4 for the DSS and document timestamps that extend a
 * signature without touching content). The classification itself is the diff's (diff.ts); this
 * only locates what it found: the 1-based page and the /Rect (user space) of each new or changed
 * annotation and form field widget, the page whose content changed, and "extension" with no page.
 */
import { entryKey, type PdfRevisions } from '../syntax/revision-reader.js';
import { PdfName, PdfRef } from '../syntax/objects.js';
import type { Budget } from './limits.js';
import { closure, type FieldInfo } from './structure.js';
import { dictOf, isName, pdfEqual, type PdfValue } from './values.js';
import { rectOf, viewOf, type DiffResult } from './diff.js';
import type { ChangeReport } from './report.js';

/** Enough to point at every change a person could look at; the diff details keep the rest. */
const MAX_CHANGES = 100;

export function changesAfter(pdf: PdfRevisions, signedRev: number, diff: DiffResult, budget: Budget): ChangeReport[] {
  const N = pdf.revisions.length - 1;
  if (signedRev >= N) return [];
  const old = viewOf(pdf, signedRev, budget);
  const cur = viewOf(pdf, N, budget);
  const out: ChangeReport[] = [];
  let reachByPage: Set<number>[] | undefined;
  const add = (c: ChangeReport) => {
    if (out.length < MAX_CHANGES) out.push(c);
  };
  const changedObject = (n: number) => {
    if (entryKey(pdf.entryAt(n, signedRev)) === entryKey(pdf.entryAt(n, N))) return false;
    return !pdfEqual(pdf.object(n, signedRev), pdf.object(n, N));
  };
  const pageOfAnnot = new Map<number, number>();
  for (const [i, p] of cur.pageNums.entries()) for (const n of cur.annots.get(p) ?? []) pageOfAnnot.set(n, i + 1);
  const place = (n: number) => {
    const r = rectOf(pdf, dictOf(pdf.object(n, N)), N);
    return { page: pageOfAnnot.get(n) ?? null, rect: r ? ([r[0]!, r[1]!, r[2]!, r[3]!] as const) : null };
  };

  // fields whose value or widgets changed: one entry per widget, where it is drawn
  const fields = new Map<string, FieldInfo>();
  const fieldByName = new Map(cur.fields.map((f) => [f.name, f]));
  for (const name of diff.changedFields) {
    const f = fieldByName.get(name);
    if (f) fields.set(name, f);
  }
  const oldAnnots = new Set([...old.annots.values()].flat());
  // one pass over the fields: a crafted file with many annotations and fields stays linear
  const ownerOf = new Map<number, FieldInfo>();
  for (const f of cur.fields) {
    if (f.num !== undefined) ownerOf.set(f.num, f);
    for (const w of f.widgets) ownerOf.set(w, f);
  }
  const oldFieldByName = new Map(old.fields.map((f) => [f.name, f]));
  for (const [n] of pageOfAnnot) {
    budget.check();
    if (oldAnnots.has(n) && !changedObject(n)) continue;
    const owner = ownerOf.get(n);
    if (owner) {
      fields.set(owner.name, owner);
      continue;
    }
    const st = pdf.resolve(dictOf(pdf.object(n, N))?.get('Subtype'), N);
    const subtype = st instanceof PdfName ? st.name : 'unknown';
    // a widget outside the form is the diff's "other"; any other annotation is an annotation
    add({
      category: subtype === 'Widget' ? 'other' : 'annotation',
      key: subtype === 'Widget' ? 'MODIFICATION_OTHER' : 'MODIFICATION_ANNOTATION',
      ...place(n),
      detail: subtype,
    });
  }
  for (const f of fields.values()) {
    const value = dictOf(pdf.resolve(f.value, N));
    if (value && (isName(value.get('Type'), 'DocTimeStamp') || isName(value.get('SubFilter'), 'ETSI.RFC3161'))) {
      add({ category: 'extension', key: 'MODIFICATION_EXTENSION', page: null, rect: null, detail: f.name });
      continue;
    }
    const before = oldFieldByName.get(f.name);
    const signedNow = f.ft === 'Sig' && !!value && !dictOf(pdf.resolve(before?.value, signedRev));
    const key = signedNow ? 'MODIFICATION_SIGNATURE_ADDED' : 'MODIFICATION_FORM_FILL';
    const widgets = f.widgets.filter((w) => pageOfAnnot.has(w));
    if (widgets.length === 0) add({ category: 'signatureOrFormFill', key, page: null, rect: null, detail: f.name });
    for (const w of widgets) add({ category: 'signatureOrFormFill', key, ...place(w), detail: f.name });
  }

  // page content: the diff names the page object or the content object it found changed
  for (const d of diff.details) {
    const m = /^other: page (?:content object )?(\d+)/.exec(d);
    if (!m) continue;
    const num = Number(m[1]);
    const page = d.startsWith('other: page content object') ? pageReaching(num) : old.pageNums.indexOf(num) + 1 || null;
    if (!out.some((c) => c.key === 'MODIFICATION_PAGE_CONTENT' && c.page === page))
      add({ category: 'other', key: 'MODIFICATION_PAGE_CONTENT', page, rect: null });
  }

  // nothing the diff found stays unsaid, even where it cannot be located
  if (diff.pageCountChanged) add({ category: 'other', key: 'MODIFICATION_PAGE_COUNT', page: null, rect: null });
  const fallback: [keyof Pick<DiffResult, 'extension' | 'signatureOrFormFill' | 'annotation' | 'other'>, ChangeReport['key']][] = [
    ['extension', 'MODIFICATION_EXTENSION'],
    ['signatureOrFormFill', 'MODIFICATION_FORM_FILL'],
    ['annotation', 'MODIFICATION_ANNOTATION'],
    ['other', 'MODIFICATION_OTHER'],
  ];
  for (const [category, key] of fallback)
    if (diff[category] && !out.some((c) => c.category === category)) add({ category, key, page: null, rect: null });
  return out;

  /** The 1-based page of the signed revision whose contents or resources reach object `num`. */
  function pageReaching(num: number): number | null {
    reachByPage ??= old.pageNums.map((p) => {
      const page = dictOf(pdf.object(p, signedRev));
      const reach = new Set<number>();
      const start: PdfValue[] = [page?.get('Contents') ?? null, page?.get('Resources') ?? null];
      for (const s of start) closure(pdf, signedRev, s, new Set(), reach, budget);
      if (start[0] instanceof PdfRef) reach.add(start[0].num);
      return reach;
    });
    const i = reachByPage.findIndex((r) => r.has(num));
    return i < 0 ? null : i + 1;
  }
}
