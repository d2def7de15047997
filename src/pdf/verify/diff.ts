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
}

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

function rectOf(pdf: PdfRevisions, d: PdfDict | undefined, rev: number): number[] | undefined {
  const r = pdf.resolve(d?.get('Rect'), rev);
  if (!Array.isArray(r) || r.length !== 4 || !r.every((x) => typeof x === 'number')) return undefined;
  const [a, b, c, e] = r as number[];
  return [Math.min(a!, c!), Math.min(b!, e!), Math.max(a!, c!), Math.max(b!, e!)];
}
const area = (r: number[] | undefined) => (r ? (r[2]! - r[0]!) * (r[3]! - r[1]!) : 0);
const overlap = (x: number[], y: number[]) => x[0]! < y[2]! && y[0]! < x[2]! && x[1]! < y[3]! && y[1]! < x[3]!;

export function diffAfter(pdf: PdfRevisions, k: number, budget: Budget): DiffResult {
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
    if (a === null) continue; // new object: judged through whatever references it
    if (pdfEqual(a, b) && streamBytesEqual(pdf, a, b)) continue;
    const bd = dictOf(b);
    if (bd && (isName(bd.get('Type'), 'XRef') || isName(bd.get('Type'), 'ObjStm'))) continue;
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
          for (const n of nk) mark(n === 'AP' ? 'signatureOrFormFill' : n === 'Dests' ? 'extension' : 'other', `catalog /Names /${n}`);
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
        mark('other', `page ${num} replaced`);
        continue;
      }
      for (const key of changedKeys(ad, bd)) {
        if (key === 'Annots') annotsDiff(num);
        else if (deepEqual(ad.get(key), k, bd.get(key), N, 0))
          continue; // same content through a new reference
        else if (key === 'Resources' && resourcesExtended(ad.get(key), bd.get(key)))
          mark('signatureOrFormFill', `page ${num} resources extended`);
        else mark('other', `page ${num} /${key}`);
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
        mark('signatureOrFormFill', `field ${f?.name ?? num} /${key}`);
        if (f) res.changedFields.add(f.name);
        else for (const of of old.fields) if (of.widgets.includes(num)) res.changedFields.add(of.name);
      }
      continue;
    }
    if (oldAnnotNums.has(num)) {
      const bad = ad && bd ? changedKeys(ad, bd).filter((x) => !ANNOT_LEVEL.has(x)) : ['replaced'];
      if (bad.length) mark('other', `annotation ${num} /${bad.join(' /')}`);
      else mark('annotation', `annotation ${num} changed`);
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
    if (!reachable) {
      reachable = new Set();
      closure(pdf, N, pdf.trailerValue('Root', N), new Set(), reachable, budget);
      if (infoRef) closure(pdf, N, infoRef, new Set(), reachable, budget);
    }
    if (!reachable.has(num)) continue; // orphaned: not part of the document any more
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
    mark('signatureOrFormFill', `new field ${n}`);
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
    const after = cur.annots.get(page) ?? [];
    if ([...before].some((n) => !after.includes(n))) mark('annotation', `annotation removed from page ${page}`);
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
        else if (isField) mark('signatureOrFormFill', `widget ${n} on page ${page}`);
        else mark('other', `widget ${n} outside the form on page ${page}`);
        continue;
      }
      const r = rectOf(pdf, d, N);
      const overlaps = !!r && existingRects.some((e) => overlap(r, e));
      res.newAnnotations.push({ subtype, overlaps });
      mark('annotation', `new ${subtype} annotation on page ${page}`);
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
