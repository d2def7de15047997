/**
 * What annotations and widgets draw on the signed pages after a signed revision (ISO 32000-1
 * §12.5): every annotation added after revision k, and every existing one whose /Rect, /AP, /F,
 * /MK or appearance state changed, or whose form field's value changed (the viewer then draws the
 * new appearance, §12.7.3.3). The verifier judges each of them by the box it draws — never by its
 * subtype — against what the signed revision's page content draws (content-cover.ts).
 */
import { boxOfRect, area, isUsable, type Box } from '../content/box.js';
import { entryKey, type PdfRevisions } from '../syntax/revision-reader.js';
import { PdfName, PdfRef } from '../syntax/objects.js';
import type { Budget } from './limits.js';
import { viewOf } from './diff.js';
import { closure, type FieldInfo } from './structure.js';
import { asInt, changedKeys, dictOf, pdfEqual, type PdfValue } from './values.js';

export interface DrawnChange {
  /** Object number of the annotation (kept for diagnostics; reports name the page). */
  readonly annot: number;
  /** 0-based index of the page in the signed revision. */
  readonly pageIndex: number;
  readonly box: Box;
  readonly subtype: string;
  /** Added after signing (otherwise an existing annotation that changed). */
  readonly added: boolean;
  /** The form field the widget belongs to, if any. */
  readonly field: FieldInfo | undefined;
  /** Hidden or NoView (§12.5.3 Table 165) or an empty rectangle: it covers nothing. */
  readonly drawsNothing: boolean;
}

/** Keys of an annotation dictionary that change what it draws or where (§12.5.2, §12.5.6.19). */
const DRAWING_KEYS = new Set(['Rect', 'AP', 'AS', 'F', 'MK']);
const FLAG_HIDDEN = 1 << 1;
const FLAG_NO_VIEW = 1 << 5;
const NOWHERE: Box = { x0: 0, y0: 0, x1: 0, y1: 0 };
const EVERYWHERE: Box = { x0: -Infinity, y0: -Infinity, x1: Infinity, y1: Infinity };

export function drawnChangesAfter(pdf: PdfRevisions, k: number, budget: Budget): DrawnChange[] {
  const N = pdf.revisions.length - 1;
  if (k >= N) return [];
  const old = viewOf(pdf, k, budget);
  const cur = viewOf(pdf, N, budget);
  const changed = (num: number) => entryKey(pdf.entryAt(num, k)) !== entryKey(pdf.entryAt(num, N));
  // appearance streams are only walked when some object of the final appearance closure changed
  let apTouched = false;
  for (let r = k + 1; r <= N && !apTouched; r++)
    for (const sec of pdf.revisions[r]!.sections)
      for (const n of sec.entries.keys()) if (cur.apClosure.has(n) && changed(n)) apTouched = true;
  const ownerIn = (fields: readonly FieldInfo[], n: number) => fields.find((f) => f.num === n || f.widgets.includes(n));
  const out: DrawnChange[] = [];
  for (const [pageNum, annots] of cur.annots) {
    const pageIndex = old.pageNums.indexOf(pageNum);
    if (pageIndex < 0) continue; // a page added after signing is "other" already (diff.ts)
    const before = new Set(old.annots.get(pageNum) ?? []);
    for (const n of annots) {
      budget.check();
      const d = dictOf(pdf.object(n, N));
      if (!d) continue;
      const added = !before.has(n);
      const field = ownerIn(cur.fields, n);
      if (!added && !drawingChanged(n, field)) continue;
      const st = pdf.resolve(d.get('Subtype'), N);
      const rect = pdf.resolve(d.get('Rect'), N);
      const nums = Array.isArray(rect) && rect.length === 4 && rect.every((x) => typeof x === 'number') ? (rect as number[]) : undefined;
      // no /Rect: viewers draw nothing (§12.5.2 requires one); a rectangle that is not a finite box
      // (digits beyond the double range) may be drawn anywhere, so it counts as the whole plane
      const given = nums ? boxOfRect(nums) : NOWHERE;
      const box = isUsable(given) ? given : EVERYWHERE;
      const flags = asInt(pdf.resolve(d.get('F'), N)) ?? 0;
      const hidden = (flags & (FLAG_HIDDEN | FLAG_NO_VIEW)) !== 0;
      out.push({
        annot: n,
        pageIndex,
        box,
        subtype: st instanceof PdfName ? st.name : 'unknown',
        added,
        field,
        drawsNothing: hidden || area(box) === 0,
      });
    }
  }
  return out;

  function drawingChanged(n: number, field: FieldInfo | undefined): boolean {
    const a = dictOf(pdf.object(n, k));
    const b = dictOf(pdf.object(n, N));
    if (!a || !b) return true;
    if (changed(n) && changedKeys(a, b).some((key) => DRAWING_KEYS.has(key))) return true;
    // an indirect /Rect array or /F number can change without the annotation dictionary changing
    for (const key of DRAWING_KEYS) if ((key !== 'AP' || apTouched) && refsChanged(b.get(key))) return true;
    if (!field) return false;
    const was = old.fields.find((f) => f.name === field.name);
    return !was || !pdfEqual(was.value, field.value) || refsChanged(field.value);
  }

  /** Does any object reachable from `v` (an appearance dictionary, a field value) differ from its signed version? */
  function refsChanged(v: PdfValue | undefined): boolean {
    if (v === undefined) return false;
    const reach = new Set<number>();
    closure(pdf, N, v, new Set(['Parent', 'P']), reach, budget);
    if (v instanceof PdfRef) reach.add(v.num);
    for (const num of reach) if (changed(num)) return true;
    return false;
  }
}
