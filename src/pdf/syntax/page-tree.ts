import { AppError } from '../../core/errors.js';
import type { PdfDocument } from './document.js';
import { PdfDict, PdfRef, type PdfObject } from './objects.js';
import { malformed } from './parser.js';

export interface PageInfo {
  /** 0-based page index. */
  index: number;
  ref: PdfRef;
  dict: PdfDict;
}

/** Number of pages according to the root /Pages node's /Count (§7.7.3.2). */
export function pageCount(doc: PdfDocument): number {
  const pages = doc.getDict(doc.catalog, 'Pages');
  const n = pages?.getNumber('Count');
  if (n === undefined || !Number.isInteger(n) || n < 0) throw malformed('page tree root has no valid /Count');
  return n;
}

/**
 * Finds page `index` (0-based) by descending the page tree (§7.7.3.2) using each /Pages node's
 * /Count to skip whole subtrees: only the nodes on the path (and their siblings' /Count) are read,
 * never every page. A node seen twice on the path is a cycle → PDF_MALFORMED.
 */
export function getPage(doc: PdfDocument, index: number): PageInfo {
  if (!Number.isInteger(index) || index < 0) throw new AppError('PDF_PAGE_OUT_OF_RANGE', `page index ${index} is invalid`);
  const rootRef = doc.catalog.get('Pages');
  if (!(rootRef instanceof PdfRef)) throw malformed('catalog /Pages is not an indirect reference');
  let node = rootRef;
  let remaining = index;
  const path = new Set<number>();
  for (let depth = 0; ; depth++) {
    if (depth > doc.limits.maxTreeDepth) throw new AppError('PDF_LIMIT_EXCEEDED', 'page tree too deep', { details: { limit: 'tree' } });
    if (path.has(node.num)) throw malformed(`circular reference in the page tree at object ${node.num}`);
    path.add(node.num);
    const d = doc.resolve(node);
    if (!(d instanceof PdfDict)) throw malformed(`page tree node ${node.num} is not a dictionary`);
    const kids = doc.resolve(d.get('Kids'));
    if (d.getName('Type') === 'Page' || !Array.isArray(kids)) {
      if (remaining === 0) return { index, ref: node, dict: d };
      throw new AppError('PDF_PAGE_OUT_OF_RANGE', `page ${index + 1} does not exist`);
    }
    let next: PdfRef | undefined;
    for (const k of kids as PdfObject[]) {
      if (!(k instanceof PdfRef)) continue;
      if (path.has(k.num)) throw malformed(`circular reference in the page tree at object ${k.num}`);
      const kd = doc.resolve(k);
      if (!(kd instanceof PdfDict)) continue;
      const isLeaf = kd.getName('Type') === 'Page' || !Array.isArray(doc.resolve(kd.get('Kids')));
      const count = isLeaf ? 1 : (kd.getNumber('Count') ?? 0);
      if (remaining < count) {
        next = k;
        break;
      }
      remaining -= count;
    }
    if (!next) throw new AppError('PDF_PAGE_OUT_OF_RANGE', `page ${index + 1} does not exist`);
    node = next;
  }
}

/** An inheritable page attribute (§7.7.3.4: Resources, MediaBox, CropBox, Rotate), walking /Parent. */
export function inheritedAttribute(doc: PdfDocument, page: PdfDict, key: string): PdfObject | undefined {
  let d: PdfDict | undefined = page;
  for (let i = 0; d && i <= doc.limits.maxTreeDepth; i++) {
    if (d.has(key)) return doc.resolve(d.get(key));
    d = doc.getDict(d, 'Parent');
  }
  return undefined;
}
