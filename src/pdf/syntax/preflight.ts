import { AppError } from '../../core/errors.js';
import { PdfDocument } from './document.js';
import { decodeStreamData } from './filters.js';
import { PDF_INPUT_BUDGET, checkDeadline, limitExceeded, limitsFromBudget, type PdfInputBudget, type PdfLimits } from './limits.js';
import { PdfDict, PdfRef, PdfStream } from './objects.js';
import { Parser, malformed } from './parser.js';
import { scanObjectHeaders } from './repair.js';

/**
 * Reads a whole untrusted PDF under the input budget before a library without limits (pdf-lib,
 * used to copy pages into a certified copy) touches it. Such a library parses every `N G obj` in
 * the body and inflates every object and xref stream it meets (ISO 32000-1 §7.5.7, §7.5.8), not
 * only those the xref lists, and walks the page tree (§7.7.3.2) without cycle detection. So
 * every object header is visited here, every object/xref stream is inflated within the ratio and
 * size limits (and their sum within one stream's budget), and the page tree is walked with a
 * visited set. Returns the number of pages.
 */
export interface PreflightResult {
  readonly pages: number;
}

export function preflightPdf(bytes: Buffer, budget: PdfInputBudget = PDF_INPUT_BUDGET): PreflightResult {
  const limits = limitsFromBudget(budget, Date.now() + budget.timeBudgetMs);
  const doc = PdfDocument.open(bytes, { limits });
  inflateEveryStructureStream(doc, limits);
  return { pages: countPages(doc, limits) };
}

function inflateEveryStructureStream(doc: PdfDocument, limits: PdfLimits): void {
  let decoded = 0;
  for (const { offset } of scanObjectHeaders(doc.bytes, limits).headers) {
    checkDeadline(limits);
    let value;
    try {
      value = new Parser(doc.bytes, offset, limits.maxDepth, doc.bytes.length, limits.deadline).parseIndirect((r) => {
        const v = doc.resolve(r);
        return typeof v === 'number' ? v : undefined;
      }).value;
    } catch (e) {
      if (e instanceof AppError && e.code === 'PDF_LIMIT_EXCEEDED') throw e;
      continue; // an unparsable body object is not one another reader will inflate
    }
    if (!(value instanceof PdfStream)) continue;
    const type = value.dict.getName('Type');
    if (type !== 'ObjStm' && type !== 'XRef') continue;
    decoded += decodeStreamData(value, limits, (o) => doc.resolve(o)).length;
    if (decoded > limits.maxStreamBytes)
      throw limitExceeded('inflate', `object and xref streams inflate beyond ${limits.maxStreamBytes} bytes`);
  }
}

/** Leaves of the page tree; a node reached twice (a cycle or a shared kid) is malformed (§7.7.3.2: a tree). */
function countPages(doc: PdfDocument, limits: PdfLimits): number {
  const root = doc.catalog.get('Pages');
  if (!(root instanceof PdfRef)) throw malformed('catalog /Pages is not an indirect reference');
  const seen = new Set<number>();
  let pages = 0;
  const stack: Array<{ ref: PdfRef; depth: number }> = [{ ref: root, depth: 0 }];
  while (stack.length > 0) {
    const { ref, depth } = stack.pop()!;
    checkDeadline(limits);
    if (depth > limits.maxTreeDepth) throw limitExceeded('tree', 'page tree too deep');
    if (seen.has(ref.num)) throw malformed(`page tree node ${ref.num} is reached twice (circular or shared)`);
    seen.add(ref.num);
    if (seen.size > limits.maxObjects) throw limitExceeded('objects', 'page tree has too many nodes');
    const node = doc.resolve(ref);
    if (!(node instanceof PdfDict)) throw malformed(`page tree node ${ref.num} is not a dictionary`);
    const kids = doc.resolve(node.get('Kids'));
    if (node.getName('Type') === 'Page' || !Array.isArray(kids)) {
      pages++;
      continue;
    }
    for (const k of kids) {
      if (!(k instanceof PdfRef)) throw malformed(`page tree node ${ref.num} has a kid that is not a reference`);
      stack.push({ ref: k, depth: depth + 1 });
    }
  }
  if (pages === 0) throw malformed('the page tree has no pages');
  return pages;
}
