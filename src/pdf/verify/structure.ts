/**
 * Document-structure views of one revision used by rules B and C: the page tree
 * (ISO 32000-1 §7.7.3, loop-safe), the objects reachable from page content, the interactive
 * form field tree (§12.7.3, fully qualified names, inherited /FT), annotations per page, and
 * the closures of /AP appearances, /DSS and the structure tree.
 */
import type { Budget } from './limits.js';
import { VerifyLimitError } from './limits.js';
import type { PdfRevisions } from '../syntax/revision-reader.js';
import { PdfDict, PdfName, PdfRef, PdfStream } from '../syntax/objects.js';
import { dictOf, isName, textOf, type PdfValue } from './values.js';

export interface FieldInfo {
  readonly num: number | undefined;
  readonly dict: PdfDict;
  readonly name: string;
  readonly ft: string | undefined;
  readonly value: PdfValue | undefined;
  /** Widget annotation object numbers (the field itself when merged). */
  readonly widgets: number[];
}

export interface RevisionView {
  readonly rev: number;
  readonly catalogNum: number | undefined;
  readonly catalog: PdfDict | undefined;
  readonly pageNums: number[];
  readonly pageTreeNodes: Set<number>;
  /** Objects reachable from pages (contents, resources, fonts, XObjects…), excluding annotations. */
  readonly contentClosure: Set<number>;
  /** Per page: annotation object numbers. */
  readonly annots: Map<number, number[]>;
  /** Indirect /Annots array objects. */
  readonly annotArrays: Set<number>;
  readonly fields: FieldInfo[];
  readonly fieldNums: Set<number>;
  readonly acroFormNum: number | undefined;
  readonly apClosure: Set<number>;
  readonly dssClosure: Set<number>;
  readonly structClosure: Set<number>;
  readonly pageTreeError: string | undefined;
  /** For each object: the catalog keys / trailer keys through which it is reachable (not Pages/AcroForm). */
  readonly roots: Map<number, Set<string>>;
  readonly drClosure: Set<number>;
}

/** Collects every object number reachable from `start`, skipping keys in `skip`. */
export function closure(
  pdf: PdfRevisions,
  rev: number,
  start: PdfValue | undefined,
  skip: ReadonlySet<string>,
  out: Set<number>,
  budget: Budget,
  stopAt?: ReadonlySet<number>,
): void {
  const stack: PdfValue[] = [start ?? null];
  let steps = 0;
  while (stack.length) {
    if (++steps % 1024 === 0) budget.check();
    if (steps > pdf.limits.maxObjects * 4) throw new VerifyLimitError('objects', 'object graph too large');
    const v = stack.pop();
    if (v instanceof PdfRef) {
      if (out.has(v.num) || stopAt?.has(v.num)) continue;
      out.add(v.num);
      stack.push(pdf.object(v.num, rev));
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v instanceof PdfDict || v instanceof PdfStream) {
      const d = v instanceof PdfStream ? v.dict : v;
      for (const [k, x] of d.map) if (!skip.has(k)) stack.push(x);
    }
  }
}

const PAGE_SKIP = new Set(['Parent', 'Annots', 'B', 'StructParents', 'Thumb', 'PieceInfo']);
const AP_SKIP = new Set(['Parent', 'P']);

export function revisionView(pdf: PdfRevisions, rev: number, budget: Budget): RevisionView {
  const rootRef = pdf.trailerValue('Root', rev);
  const catalogNum = rootRef instanceof PdfRef ? rootRef.num : undefined;
  const catalog = dictOf(pdf.resolve(rootRef, rev));
  const pageNums: number[] = [];
  const pageTreeNodes = new Set<number>();
  const contentClosure = new Set<number>();
  const annots = new Map<number, number[]>();
  const annotArrays = new Set<number>();
  let pageTreeError: string | undefined;
  // page tree walk (iterative, loop-safe)
  const pagesRef = catalog?.get('Pages');
  const stack: { v: PdfValue | undefined; depth: number }[] = [{ v: pagesRef, depth: 0 }];
  const seen = new Set<number>();
  while (stack.length) {
    budget.check();
    const { v, depth } = stack.pop()!;
    if (depth > pdf.limits.maxDepth) {
      pageTreeError = 'page tree too deep';
      break;
    }
    let num: number | undefined;
    if (v instanceof PdfRef) {
      if (seen.has(v.num)) {
        pageTreeError = 'circular reference in the page tree';
        continue;
      }
      seen.add(v.num);
      num = v.num;
    }
    const d = dictOf(pdf.resolve(v, rev));
    if (!d) continue;
    const kids = pdf.resolve(d.get('Kids'), rev);
    const isPages = isName(d.get('Type'), 'Pages') || (!isName(d.get('Type'), 'Page') && Array.isArray(kids));
    if (isPages) {
      if (num !== undefined) pageTreeNodes.add(num);
      if (Array.isArray(kids)) for (let i = kids.length - 1; i >= 0; i--) stack.push({ v: kids[i], depth: depth + 1 });
      // inherited resources live on Pages nodes
      for (const [k, x] of d.map) if (!PAGE_SKIP.has(k) && k !== 'Kids') closure(pdf, rev, x, PAGE_SKIP, contentClosure, budget);
      continue;
    }
    if (num === undefined) continue;
    pageNums.push(num);
    if (pageNums.length > pdf.limits.maxObjects) throw new VerifyLimitError('objects', 'too many pages');
    for (const [k, x] of d.map) if (!PAGE_SKIP.has(k)) closure(pdf, rev, x, PAGE_SKIP, contentClosure, budget, pageTreeNodes);
    const a = d.get('Annots');
    if (a instanceof PdfRef) annotArrays.add(a.num);
    const arr = pdf.resolve(a, rev);
    annots.set(num, Array.isArray(arr) ? arr.filter((x): x is PdfRef => x instanceof PdfRef).map((x) => x.num) : []);
  }
  for (const p of pageNums) contentClosure.delete(p);
  for (const n of pageTreeNodes) contentClosure.delete(n);

  // form fields
  const fields: FieldInfo[] = [];
  const fieldNums = new Set<number>();
  const afRef = catalog?.get('AcroForm');
  const acroFormNum = afRef instanceof PdfRef ? afRef.num : undefined;
  const af = dictOf(pdf.resolve(afRef, rev));
  const fstack: { v: PdfValue; prefix: string; ft: string | undefined; depth: number }[] = [];
  const top = pdf.resolve(af?.get('Fields'), rev);
  if (Array.isArray(top)) for (const f of top) fstack.push({ v: f, prefix: '', ft: undefined, depth: 0 });
  const fseen = new Set<number>();
  while (fstack.length) {
    budget.check();
    const { v, prefix, ft, depth } = fstack.pop()!;
    if (depth > pdf.limits.maxDepth) break;
    let num: number | undefined;
    if (v instanceof PdfRef) {
      if (fseen.has(v.num)) continue;
      fseen.add(v.num);
      num = v.num;
    }
    const d = dictOf(pdf.resolve(v, rev));
    if (!d) continue;
    const t = textOf(pdf.resolve(d.get('T'), rev));
    const name = t === undefined ? prefix : prefix ? `${prefix}.${t}` : t;
    const ftv = pdf.resolve(d.get('FT'), rev);
    const myFt = ftv instanceof PdfName ? ftv.name : ft;
    const kids = pdf.resolve(d.get('Kids'), rev);
    const widgets: number[] = [];
    if (Array.isArray(kids) && kids.length) {
      for (const k of kids) {
        const kd = dictOf(pdf.resolve(k, rev));
        if (kd && kd.get('T') === undefined && k instanceof PdfRef) {
          widgets.push(k.num); // pure widget
          fieldNums.add(k.num);
        } else fstack.push({ v: k, prefix: name, ft: myFt, depth: depth + 1 });
      }
    } else if (num !== undefined) widgets.push(num);
    if (num !== undefined) fieldNums.add(num);
    if (t !== undefined || widgets.length) fields.push({ num, dict: d, name, ft: myFt, value: d.get('V'), widgets });
  }

  // appearance closure: /AP of fields, widgets and annotations
  const apClosure = new Set<number>();
  const apOwners = new Set<number>([...fieldNums, ...[...annots.values()].flat()]);
  for (const n of apOwners) {
    const d = dictOf(pdf.object(n, rev));
    if (d?.get('AP') !== undefined) closure(pdf, rev, d.get('AP'), AP_SKIP, apClosure, budget);
  }
  const dssClosure = new Set<number>();
  if (catalog?.get('DSS') !== undefined) closure(pdf, rev, catalog.get('DSS'), new Set(), dssClosure, budget);
  const structClosure = new Set<number>();
  if (catalog?.get('StructTreeRoot') !== undefined)
    closure(pdf, rev, catalog.get('StructTreeRoot'), new Set(['Pg', 'Obj', 'Parent']), structClosure, budget);
  const roots = new Map<number, Set<string>>();
  // links to pages (outline destinations, actions) do not make page content reachable from that key
  const stopAtPages = new Set<number>([...pageNums, ...pageTreeNodes]);
  const addRoot = (key: string, start: PdfValue | undefined) => {
    const set = new Set<number>();
    closure(pdf, rev, start, new Set(['Pg', 'Obj', 'Parent', 'P', 'Data']), set, budget, stopAtPages);
    for (const n of set) {
      let r = roots.get(n);
      if (!r) roots.set(n, (r = new Set()));
      r.add(key);
    }
  };
  for (const [k, x] of catalog?.map ?? []) if (k !== 'Pages' && k !== 'AcroForm' && k !== 'Type') addRoot(k, x);
  const tr = pdf.revisions[rev]?.trailer;
  for (const [k, x] of tr?.map ?? [])
    if (!['Root', 'Prev', 'XRefStm', 'Size', 'ID', 'Type', 'W', 'Index', 'Length', 'Filter', 'DecodeParms', 'Encrypt'].includes(k))
      addRoot(`trailer:${k}`, x);
  if (af) for (const [k, x] of af.map) if (k !== 'Fields') addRoot(`AcroForm:${k}`, x);
  const drClosure = new Set<number>();
  if (af?.get('DR') !== undefined) closure(pdf, rev, af.get('DR'), new Set(), drClosure, budget);
  return {
    roots,
    drClosure,
    rev,
    catalogNum,
    catalog,
    pageNums,
    pageTreeNodes,
    contentClosure,
    annots,
    annotArrays,
    fields,
    fieldNums,
    acroFormNum,
    apClosure,
    dssClosure,
    structClosure,
    pageTreeError,
  };
}
