/**
 * Object-level diff of everything written after a signed revision (docs/signatures-and-validation.md rules 6-10,
 * ETSI EN 319 142-1 §5.x "changes after signing"; ISO 32000-1 §12.8.2.2-§12.8.2.4 DocMDP /
 * FieldMDP). Every object whose final version differs from its version in the signed revision
 * is classified as extension (DSS, document timestamp, metadata, structure tree), signature or
 * form fill, annotation, or other. Other is rejected by default: that includes any change to
 * page contents, resources, the page tree or anything reachable from them, even a swapped
 * reference (shadow attacks), and a page count change.
 */
import type { Budget } from './limits.js';
import { entryKey, type PdfRevisions } from '../syntax/revision-reader.js';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString } from '../syntax/objects.js';
import { changedKeys, dictOf, isName, pdfEqual, type PdfValue } from './values.js';
import { closure, revisionView, type RevisionView } from './structure.js';
import type { ModificationLevel } from './report.js';

export interface DiffResult {
  extension: boolean;
  signatureOrFormFill: boolean;
  annotation: boolean;
  other: boolean;
  pageCountChanged: boolean;
  level: ModificationLevel;
  details: string[];
  /** Fully qualified names of fields whose value or appearance changed. */
  changedFields: Set<string>;
  /** New signature fields with a visible widget (rule 10, "sneaky signature"). */
  newVisibleSignatureFields: string[];
  /** New annotations (subtype) and whether they overlap existing ones. */
  newAnnotations: { subtype: string; overlaps: boolean }[];
  /** Signature dictionaries that were redefined after the signed revision. */
  redefinedObjects: Set<number>;
  pagesSigned: number;
  pagesFinal: number;
  /** A later trailer names another catalog than the signed one (its /Root). */
  rootReplaced: boolean;
  /** Actions added after signing (JavaScript, Launch, SubmitForm, ImportData, /OpenAction, /AA …), with where. */
  actionsAdded: string[];
}

export type ChangeClass = 'extension' | 'signatureOrFormFill' | 'annotation' | 'other';

/** One change to an annotation or form field, as the diff classified it. */
export interface ChangeEvent {
  readonly kind: 'annotation-added' | 'annotation-changed' | 'annotation-removed' | 'widget-added' | 'field-added' | 'field-changed';
  /** Object number of the annotation, widget or field. */
  readonly object: number;
  /** 1-based page number in the final revision (null when not on a page). */
  readonly page: number | null;
  /** Annotation /Subtype or field /FT. */
  readonly subtype: string | null;
  /** The diff's own class; a classifier may only make it stricter. */
  readonly proposed: ChangeClass;
  readonly why: string;
}

/**
 * Per-change hook for annotation and field rules that need more than the object diff (geometry
 * of widgets over page content, new fields under DocMDP P=2): returns a stricter class and a
 * reason, or undefined to keep the proposed one.
 */
export type ChangeClassifier = (e: ChangeEvent, pdf: PdfRevisions, signedRevision: number) => { cls: ChangeClass; why: string } | undefined;

const STRICTNESS: Record<ChangeClass, number> = { extension: 0, signatureOrFormFill: 1, annotation: 2, other: 3 };

const CATALOG_EXTENSION = new Set(['DSS', 'Extensions', 'Metadata', 'StructTreeRoot', 'MarkInfo', 'Lang', 'ViewerPreferences', 'Version']);
const ACROFORM_FORMFILL = new Set(['Fields', 'SigFlags', 'NeedAppearances', 'DA', 'DR', 'Q']);
const FIELD_FORMFILL = new Set([
  'V',
  'I',
  'AP',
  'AS',
  'MK',
  'Kids',
  'DA',
  'P',
  'Lock',
  'SV',
  'M',
  'F',
  'Ff',
  'Annots',
  'Rect',
  'StructParent',
]);
const ANNOT_LEVEL = new Set([
  'Popup',
  'Contents',
  'M',
  'NM',
  'AP',
  'AS',
  'C',
  'CA',
  'T',
  'IRT',
  'RC',
  'CreationDate',
  'Subj',
  'F',
  'Rect',
  'QuadPoints',
  'Border',
  'BS',
  'Open',
  'State',
  'StateModel',
]);
const PAGES_RENDERING = new Set(['Kids', 'Count', 'Resources', 'MediaBox', 'CropBox', 'Rotate', 'Type', 'Parent']);
export const P3_FORBIDDEN_ANNOTS = new Set([
  'Link',
  'Screen',
  'Movie',
  'Sound',
  '3D',
  'RichMedia',
  'FileAttachment',
  'TrapNet',
  'Watermark',
  'PrinterMark',
  'Redact',
  'Widget',
]);

const views = new WeakMap<PdfRevisions, Map<number, RevisionView>>();
export function viewOf(pdf: PdfRevisions, rev: number, budget: Budget): RevisionView {
  let m = views.get(pdf);
  if (!m) views.set(pdf, (m = new Map()));
  let v = m.get(rev);
  if (!v) m.set(rev, (v = revisionView(pdf, rev, budget)));
  return v;
}

function streamBytesEqual(pdf: PdfRevisions, a: PdfValue, b: PdfValue): boolean {
  if (!(a instanceof PdfStream) || !(b instanceof PdfStream)) return true;
  return a.raw.equals(b.raw);
}

export function rectOf(pdf: PdfRevisions, d: PdfDict | undefined, rev: number): number[] | undefined {
  const r = pdf.resolve(d?.get('Rect'), rev);
  if (!Array.isArray(r) || r.length !== 4 || !r.every((x) => typeof x === 'number')) return undefined;
  const [a, b, c, e] = r as number[];
  return [Math.min(a!, c!), Math.min(b!, e!), Math.max(a!, c!), Math.max(b!, e!)];
}
const area = (r: number[] | undefined) => (r ? (r[2]! - r[0]!) * (r[3]! - r[1]!) : 0);
const overlap = (x: number[], y: number[]) => x[0]! < y[2]! && y[0]! < x[2]! && x[1]! < y[3]! && y[1]! < x[3]!;

export function diffAfter(pdf: PdfRevisions, k: number, budget: Budget, classify?: ChangeClassifier): DiffResult {
  const N = pdf.revisions.length - 1;
  const res: DiffResult = {
    extension: false,
    signatureOrFormFill: false,
    annotation: false,
    other: false,
    pageCountChanged: false,
    level: 'NONE',
    details: [],
    changedFields: new Set(),
    newVisibleSignatureFields: [],
    newAnnotations: [],
    redefinedObjects: new Set(),
    pagesSigned: 0,
    pagesFinal: 0,
    rootReplaced: false,
    actionsAdded: [],
  };
  const old = viewOf(pdf, k, budget);
  const cur = viewOf(pdf, N, budget);
  res.pagesSigned = old.pageNums.length;
  res.pagesFinal = cur.pageNums.length;
  if (k >= N) return res;
  const mark = (cls: 'extension' | 'signatureOrFormFill' | 'annotation' | 'other', why: string) => {
    res[cls] = true;
    if (res.details.length < 200) res.details.push(`${cls}: ${why}`);
  };
  if (old.pageNums.length !== cur.pageNums.length) {
    res.pageCountChanged = true;
    mark('other', `page count ${old.pageNums.length} → ${cur.pageNums.length}`);
  }
  if (cur.pageTreeError) mark('other', cur.pageTreeError);
  compareTrailers();
  // an object is cross-reference machinery only when the xref data itself uses it as such, before
  // and after signing; any other /Type /XRef or /ObjStm is an ordinary object (ISO 32000-1 §7.5.7, §7.5.8)
  const machineryBefore = machineryObjects(pdf, 0, k);
  const machineryAfter = machineryObjects(pdf, k + 1, N);
  /** Marks an annotation or field change, letting the classifier make it stricter. */
  const markChange = (e: Omit<ChangeEvent, 'proposed' | 'why'>, cls: ChangeClass, why: string): void => {
    const verdict = classify?.({ ...e, proposed: cls, why }, pdf, k);
    if (verdict && STRICTNESS[verdict.cls] > STRICTNESS[cls]) mark(verdict.cls, `${why}: ${verdict.why}`);
    else mark(cls, why);
  };
  const pageNumber = (num: number): number | null => {
    const i = cur.pageNums.indexOf(num);
    return i >= 0 ? i + 1 : null;
  };
  const pageLabel = (num: number): string => {
    const i = cur.pageNums.indexOf(num);
    const j = old.pageNums.indexOf(num);
    return i >= 0 ? `page ${i + 1}` : j >= 0 ? `page ${j + 1} of the signed revision` : `page object ${num}`;
  };

  // objects touched after revision k
  const touched = new Set<number>();
  for (let r = k + 1; r <= N; r++) for (const s of pdf.revisions[r]!.sections) for (const n of s.entries.keys()) touched.add(n);
  const oldFieldByNum = new Map(old.fields.filter((f) => f.num !== undefined).map((f) => [f.num!, f]));
  const oldAnnotNums = new Set([...old.annots.values()].flat());
  const infoRef = pdf.trailerValue('Info', N);
  const infoNum = infoRef instanceof PdfRef ? infoRef.num : undefined;
  let reachable: Set<number> | undefined;
  for (let r = k + 1; r <= N; r++) {
    for (const s of pdf.revisions[r]!.sections) {
      for (const [num, e] of s.entries) {
        if (e.kind !== 'offset' || num === 0) continue;
        try {
          const o = pdf.parseIndirectAt(e.offset);
          if (o.num !== num) mark('other', `xref entry of object ${num} points to another object`);
          else if (o.value instanceof PdfDict && o.value.get('Linearized') !== undefined)
            mark('other', 'linearization dictionary appended after signing');
        } catch {
          mark('other', `xref entry of object ${num} points to no object`);
        }
      }
    }
  }
  for (const num of touched) {
    budget.check();
    if (entryKey(pdf.entryAt(num, k)) === entryKey(pdf.entryAt(num, N))) continue;
    const a = pdf.object(num, k);
    const b = pdf.object(num, N);
    if (a === null) {
      // new object: judged through whatever references it, except actions (judged wherever they are reachable)
      if (hasAction(b, 0) && finalReachable().has(num)) actionAdded(num, `new object ${num}`);
      continue;
    }
    if (pdfEqual(a, b) && streamBytesEqual(pdf, a, b)) continue;
    // an object stream of the signed revision holds signed objects: rewriting it rewrites them for
    // every reader that follows the compressed entries, whatever the entries say
    if (machineryBefore.objectStreams.has(num)) {
      mark('other', `object stream ${num} of the signed revision rewritten`);
      continue;
    }
    if (machineryBefore.xrefStreams.has(num) && machineryAfter.xrefStreams.has(num)) continue;
    const bd = dictOf(b);
    if (hasAction(b, 0) && !hasAction(a, 0)) actionAdded(num, `object ${num}`);
    res.redefinedObjects.add(num);
    const ad = dictOf(a);
    if (num === old.catalogNum) {
      if (!ad || !bd) {
        mark('other', 'catalog replaced');
        continue;
      }
      for (const key of changedKeys(ad, bd)) {
        if (CATALOG_EXTENSION.has(key)) mark('extension', `catalog /${key}`);
        else if (key === 'Names') {
          const x = dictOf(pdf.resolve(ad.get(key), k));
          const y = dictOf(pdf.resolve(bd.get(key), N));
          const nk = x && y ? changedKeys(x, y) : y ? [...y.map.keys()] : ['removed'];
          for (const n of nk) {
            if (n === 'JavaScript') actionAdded(num, 'catalog /Names /JavaScript');
            else mark(n === 'AP' ? 'signatureOrFormFill' : n === 'Dests' ? 'extension' : 'other', `catalog /Names /${n}`);
          }
        } else if (key === 'AcroForm') {
          const x = dictOf(pdf.resolve(ad.get(key), k));
          const y = dictOf(pdf.resolve(bd.get(key), N));
          if (!x) mark('signatureOrFormFill', 'form added');
          else if (
            ad.get(key) instanceof PdfRef &&
            bd.get(key) instanceof PdfRef &&
            (ad.get(key) as PdfRef).num === (bd.get(key) as PdfRef).num
          )
            continue;
          else if (y) acroFormDiff(x, y);
          else mark('other', 'form removed');
        } else mark('other', `catalog /${key}`);
      }
      continue;
    }
    if (num === old.acroFormNum) {
      if (ad && bd) acroFormDiff(ad, bd);
      else mark('other', 'form dictionary replaced');
      continue;
    }
    if (old.pageTreeNodes.has(num)) {
      const keys = ad && bd ? changedKeys(ad, bd) : ['replaced'];
      const bad = keys.filter((x) => PAGES_RENDERING.has(x) && !deepEqual(ad?.get(x), k, bd?.get(x), N, 0));
      if (bad.length || keys.includes('replaced')) mark('other', `page tree node ${num} /${bad.join(' /')}`);
      else mark('extension', `page tree node ${num} private keys /${keys.join(' /')}`);
      continue;
    }
    if (old.pageNums.includes(num)) {
      if (!ad || !bd) {
        mark('other', `${pageLabel(num)} replaced`);
        continue;
      }
      for (const key of changedKeys(ad, bd)) {
        if (key === 'Annots') annotsDiff(num);
        else if (deepEqual(ad.get(key), k, bd.get(key), N, 0))
          continue; // same content through a new reference
        else if (key === 'Resources' && resourcesExtended(ad.get(key), bd.get(key)))
          mark('signatureOrFormFill', `${pageLabel(num)} resources extended`);
        else mark('other', `${pageLabel(num)} /${key}`);
      }
      continue;
    }
    if (old.annotArrays.has(num)) {
      for (const [p] of old.annots) annotsDiff(p);
      continue;
    }
    if (old.contentClosure.has(num)) {
      mark('other', `page content object ${num}`);
      continue;
    }
    const f = oldFieldByNum.get(num);
    if (old.fieldNums.has(num)) {
      if (!ad || !bd) {
        mark('other', `field ${num} replaced`);
        continue;
      }
      const keys = changedKeys(ad, bd);
      const owner = f ?? old.fields.find((x) => x.widgets.includes(num));
      const apOnly =
        keys.some((x) => x === 'AP' || x === 'AS') &&
        !keys.includes('V') &&
        !(owner && owner.num !== num && owner.num !== undefined && touchedV(owner.num));
      if (apOnly && owner?.ft !== 'Btn') {
        mark('other', `appearance of field ${owner?.name ?? num} replaced without a value change`);
        continue;
      }
      const shared = keys.includes('AP') ? sharedOldAp(ad.get('AP')) : undefined;
      if (shared) {
        mark('other', `old appearance of field ${owner?.name ?? num} is also used elsewhere (object ${shared})`);
        continue;
      }
      for (const key of keys) {
        if (!FIELD_FORMFILL.has(key)) {
          mark('other', `field ${f?.name ?? num} /${key}`);
          continue;
        }
        if (key === 'V' && f?.ft === 'Sig' && ad.get('V') !== undefined && ad.get('V') !== null) {
          mark('other', `signature of field ${f.name} replaced`);
          continue;
        }
        markChange(
          { kind: 'field-changed', object: num, page: null, subtype: f?.ft ?? null },
          'signatureOrFormFill',
          `field ${f?.name ?? num} /${key}`,
        );
        if (f) res.changedFields.add(f.name);
        else for (const of of old.fields) if (of.widgets.includes(num)) res.changedFields.add(of.name);
      }
      continue;
    }
    if (oldAnnotNums.has(num)) {
      const bad = ad && bd ? changedKeys(ad, bd).filter((x) => !ANNOT_LEVEL.has(x)) : ['replaced'];
      if (bad.length) mark('other', `annotation ${num} /${bad.join(' /')}`);
      else markChange({ kind: 'annotation-changed', object: num, page: null, subtype: null }, 'annotation', `annotation ${num} changed`);
      continue;
    }
    if (isSigDict(ad)) {
      mark('other', `signature dictionary ${num} redefined`);
      continue;
    }
    // everything else is judged by every path that reaches it: one non-permitted path makes it "other"
    const via = new Set([...(old.roots.get(num) ?? []), ...(cur.roots.get(num) ?? [])]);
    if (old.apClosure.has(num)) via.add('#ap');
    if (old.drClosure.has(num) || cur.drClosure.has(num)) via.add('#dr');
    if (num === infoNum) via.add('trailer:Info');
    if (via.size > 0) {
      const classes = [...via].map(classOfRoot);
      const bad = [...via].filter((_, i) => classes[i] === 'other');
      if (bad.length) mark('other', `object ${num} reachable from ${bad.map((x) => `/${x}`).join(', ')}`);
      else for (const c of new Set(classes)) mark(c as 'extension', `object ${num} via ${[...via].join(', ')}`);
      continue;
    }
    if (!finalReachable().has(num)) continue; // orphaned: not part of the document any more
    mark('other', `object ${num} changed`);
  }
  res.level = res.other
    ? 'OTHER'
    : res.annotation
      ? 'ANNOTATIONS'
      : res.signatureOrFormFill
        ? 'FORM_FILLING'
        : res.extension
          ? 'LTA_UPDATES'
          : 'NONE';
  return res;

  function finalReachable(): Set<number> {
    if (!reachable) {
      reachable = new Set();
      closure(pdf, N, pdf.trailerValue('Root', N), new Set(), reachable, budget);
      if (infoRef) closure(pdf, N, infoRef, new Set(), reachable, budget);
    }
    return reachable;
  }

  function actionAdded(num: number, where: string): void {
    if (!res.actionsAdded.includes(where)) res.actionsAdded.push(where);
    mark('other', `action added after signing in ${where} (object ${num})`);
  }

  /**
   * The trailer of every later revision against the signed one (ISO 32000-1 §7.5.5): another
   * /Root is another document, /Encrypt and the first /ID element identify the file. /Info and
   * the second /ID element change on every save: reported, never failed.
   */
  function compareTrailers(): void {
    const signedRoot = pdf.trailerValue('Root', k);
    const signedId = pdf.resolve(pdf.trailerValue('ID', k), k);
    for (let r = k + 1; r <= N; r++) {
      const root = pdf.trailerValue('Root', r);
      if (!(root instanceof PdfRef) || !(signedRoot instanceof PdfRef) || root.num !== signedRoot.num) {
        res.rootReplaced = true;
        const name = root instanceof PdfRef ? `object ${root.num}` : 'no object';
        mark('other', `the trailer of revision ${r} names ${name} as catalog instead of the signed catalog`);
      }
      if (!pdfEqual(pdf.trailerValue('Encrypt', k), pdf.trailerValue('Encrypt', r)))
        mark('other', `trailer /Encrypt of revision ${r} changed`);
      const id = pdf.resolve(pdf.trailerValue('ID', r), r);
      const first = (v: PdfValue | undefined) => (Array.isArray(v) ? v[0] : undefined);
      if (Array.isArray(signedId) && !pdfEqual(first(signedId), first(id))) mark('other', `trailer /ID[0] of revision ${r} changed`);
      else if (Array.isArray(signedId) && Array.isArray(id) && !pdfEqual(signedId[1], id[1]))
        mark('extension', `trailer /ID[1] of revision ${r} changed`);
      if (!pdfEqual(pdf.trailerValue('Info', k), pdf.trailerValue('Info', r))) mark('extension', `trailer /Info of revision ${r} changed`);
    }
  }

  /** Deep equality following references (an object swapped for an identical copy is no change). */
  function deepEqual(a: PdfValue | undefined, ra: number, b: PdfValue | undefined, rb: number, depth: number): boolean {
    if (depth > 32) return false;
    budget.check();
    if (
      a instanceof PdfRef &&
      b instanceof PdfRef &&
      a.num === b.num &&
      entryKey(pdf.entryAt(a.num, ra)) === entryKey(pdf.entryAt(b.num, rb))
    )
      return true;
    const x = a instanceof PdfRef ? pdf.resolve(a, ra) : a;
    const y = b instanceof PdfRef ? pdf.resolve(b, rb) : b;
    if (Array.isArray(x)) return Array.isArray(y) && x.length === y.length && x.every((v, i) => deepEqual(v, ra, y[i], rb, depth + 1));
    if (x instanceof PdfStream)
      return y instanceof PdfStream && streamBytesEqual(pdf, x, y) && deepEqual(x.dict, ra, y.dict, rb, depth + 1);
    if (x instanceof PdfDict) {
      if (!(y instanceof PdfDict)) return false;
      const keys = new Set([...x.map.keys(), ...y.map.keys()]);
      for (const key of keys)
        if (key !== 'Length' && key !== 'Parent' && !deepEqual(x.get(key), ra, y.get(key), rb, depth + 1)) return false;
      return true;
    }
    return pdfEqual(x, y);
  }

  /** New resources keep every old entry unchanged and only add names (no effect on existing content). */
  function resourcesExtended(a: PdfValue | undefined, b: PdfValue | undefined): boolean {
    const x = dictOf(pdf.resolve(a, k));
    const y = dictOf(pdf.resolve(b, N));
    if (!x || !y) return false;
    for (const [cat, v] of x.map) {
      const xs = dictOf(pdf.resolve(v, k));
      const ys = dictOf(pdf.resolve(y.get(cat), N));
      if (!xs || !ys) {
        if (!deepEqual(v, k, y.get(cat), N, 0)) return false;
        continue;
      }
      for (const [name, e] of xs.map) if (!deepEqual(e, k, ys.get(name), N, 0)) return false;
    }
    return true;
  }

  function touchedV(n: number): boolean {
    const a = dictOf(pdf.object(n, k));
    const b = dictOf(pdf.object(n, N));
    return !!a && !!b && !pdfEqual(a.get('V'), b.get('V'));
  }

  /** Was the field's previous appearance (its /AP dictionary or streams) also reachable from elsewhere? */
  function sharedOldAp(ap: PdfValue | undefined): string | undefined {
    const nums: number[] = [];
    if (ap instanceof PdfRef) nums.push(ap.num);
    const d = dictOf(pdf.resolve(ap, k));
    for (const key of ['N', 'R', 'D']) {
      const v = d?.get(key);
      if (v instanceof PdfRef) nums.push(v.num);
      const sd = v instanceof PdfDict ? v : undefined;
      if (sd) for (const x of sd.map.values()) if (x instanceof PdfRef) nums.push(x.num);
    }
    const hit = nums.find((n) => old.contentClosure.has(n) || [...(old.roots.get(n) ?? [])].some((r) => classOfRoot(r) === 'other'));
    return hit === undefined
      ? undefined
      : `${hit} via ${old.contentClosure.has(hit) ? 'page content' : [...(old.roots.get(hit) ?? [])].join(', ')}`;
  }

  function acroFormDiff(x: PdfDict, y: PdfDict): void {
    for (const key of changedKeys(x, y)) {
      if (!ACROFORM_FORMFILL.has(key)) {
        mark('other', `form /${key}`);
        continue;
      }
      if (key === 'Fields') {
        const before = pdf.resolve(x.get('Fields'), k);
        const after = pdf.resolve(y.get('Fields'), N);
        const bn = Array.isArray(before) ? before.filter((v): v is PdfRef => v instanceof PdfRef).map((v) => v.num) : [];
        const an = new Set(Array.isArray(after) ? after.filter((v): v is PdfRef => v instanceof PdfRef).map((v) => v.num) : []);
        if (bn.some((n) => !an.has(n))) {
          mark('other', 'form fields removed');
          continue;
        }
        for (const n of an) if (!bn.includes(n)) newField(n);
        continue;
      }
      mark('signatureOrFormFill', `form /${key}`);
    }
  }

  function newField(n: number): void {
    const d = dictOf(pdf.object(n, N));
    const v = dictOf(pdf.resolve(d?.get('V'), N));
    const ft = pdf.resolve(d?.get('FT'), N);
    if (v && (isName(v.get('Type'), 'DocTimeStamp') || isName(v.get('SubFilter'), 'ETSI.RFC3161'))) {
      mark('extension', 'document timestamp field');
      return;
    }
    markChange(
      { kind: 'field-added', object: n, page: null, subtype: ft instanceof PdfName ? ft.name : null },
      'signatureOrFormFill',
      `new field ${n}`,
    );
    if (ft instanceof PdfName && ft.name === 'Sig') {
      const widgets = cur.fields.find((f) => f.num === n)?.widgets ?? [n];
      if (widgets.some((w) => area(rectOf(pdf, dictOf(pdf.object(w, N)), N)) > 0)) {
        const t = pdf.resolve(d?.get('T'), N);
        res.newVisibleSignatureFields.push(t instanceof PdfString ? t.bytes.toString('latin1') : String(n));
      }
    }
  }

  function annotsDiff(page: number): void {
    const before = new Set(old.annots.get(page) ?? []);
    // a page that is no longer in the final page tree is judged by the page tree diff, not here
    const after = cur.annots.get(page);
    if (!after) return;
    for (const n of before)
      if (!after.includes(n))
        markChange(
          { kind: 'annotation-removed', object: n, page: pageNumber(page), subtype: null },
          'annotation',
          `annotation ${n} removed from ${pageLabel(page)}`,
        );
    const existingRects = after
      .filter((n) => before.has(n))
      .map((n) => rectOf(pdf, dictOf(pdf.object(n, N)), N))
      .filter((r): r is number[] => !!r);
    for (const n of after) {
      if (before.has(n)) continue;
      const d = dictOf(pdf.object(n, N));
      const st = pdf.resolve(d?.get('Subtype'), N);
      const subtype = st instanceof PdfName ? st.name : 'unknown';
      if (subtype === 'Widget') {
        const isField = cur.fieldNums.has(n);
        const owner = cur.fields.find((f) => f.num === n || f.widgets.includes(n));
        const v = dictOf(pdf.resolve(owner?.value, N));
        if (isField && v && (isName(v.get('Type'), 'DocTimeStamp') || isName(v.get('SubFilter'), 'ETSI.RFC3161')))
          mark('extension', `document timestamp widget ${n}`);
        else if (isField)
          markChange(
            { kind: 'widget-added', object: n, page: pageNumber(page), subtype: 'Widget' },
            'signatureOrFormFill',
            `widget ${n} on ${pageLabel(page)}`,
          );
        else mark('other', `widget ${n} outside the form on ${pageLabel(page)}`);
        continue;
      }
      const r = rectOf(pdf, d, N);
      const overlaps = !!r && existingRects.some((e) => overlap(r, e));
      res.newAnnotations.push({ subtype, overlaps });
      markChange(
        { kind: 'annotation-added', object: n, page: pageNumber(page), subtype },
        'annotation',
        `new ${subtype} annotation on ${pageLabel(page)}`,
      );
    }
  }
}

/** Category of a change reachable through catalog/trailer key `root` (or #ap / #dr pseudo-roots). */
function classOfRoot(root: string): 'extension' | 'signatureOrFormFill' | 'annotation' | 'other' {
  if (root === '#ap' || root === '#dr' || root === 'AcroForm:DR' || root === 'AcroForm:DA') return 'signatureOrFormFill';
  if (
    [
      'DSS',
      'Extensions',
      'Metadata',
      'StructTreeRoot',
      'MarkInfo',
      'Lang',
      'ViewerPreferences',
      'trailer:Info',
      'PieceInfo',
      'OutputIntents',
    ].includes(root)
  )
    return 'extension';
  if (root === 'Names') return 'annotation';
  return 'other';
}

function isSigDict(d: PdfDict | undefined): boolean {
  return !!d && d.get('ByteRange') !== undefined && d.get('Contents') !== undefined;
}

/** Object numbers the cross-reference data of revisions `from`..`to` uses as xref streams and as object streams. */
function machineryObjects(pdf: PdfRevisions, from: number, to: number): { xrefStreams: Set<number>; objectStreams: Set<number> } {
  const out = { xrefStreams: new Set<number>(), objectStreams: new Set<number>() };
  for (let r = from; r <= to; r++)
    for (const s of pdf.revisions[r]!.sections) {
      for (const n of s.xrefStreams) out.xrefStreams.add(n);
      for (const e of s.entries.values()) if (e.kind === 'compressed') out.objectStreams.add(e.stream);
    }
  return out;
}

/** Action types that run code, open or send files, or change the form (ISO 32000-1 §12.6.4). */
const RISKY_ACTIONS = new Set(['JavaScript', 'Launch', 'SubmitForm', 'ImportData', 'ResetForm', 'GoToR', 'GoToE', 'Rendition', 'Hide']);

/**
 * Does a value carry an action (§12.6): an additional-actions /AA dictionary anywhere, an
 * /OpenAction, a /JS script or an action dictionary of a risky type. Direct values only: an
 * indirect action is an object of its own and is judged when it is added.
 */
function hasAction(v: PdfValue | undefined, depth: number): boolean {
  if (depth > 16) return false;
  if (Array.isArray(v)) return v.some((x) => hasAction(x, depth + 1));
  const d = v instanceof PdfStream ? v.dict : v instanceof PdfDict ? v : undefined;
  if (!d) return false;
  if (d.get('AA') !== undefined || d.get('OpenAction') !== undefined || d.get('JS') !== undefined) return true;
  const s = d.get('S');
  if (s instanceof PdfName && RISKY_ACTIONS.has(s.name)) return true;
  for (const x of d.map.values()) if (hasAction(x, depth + 1)) return true;
  return false;
}
