import { Parser } from './parser.js';
import type { PdfLimits } from './limits.js';

/**
 * The header of an object stream (ISO 32000-1 §7.5.7): N pairs (object number, offset relative
 * to /First). A compressed object is found by the index its cross-reference entry gives
 * (§7.5.8.3, type 2, field 3), never by searching the numbers: a stream that lists the same
 * number twice would otherwise show one object to this reader and another to viewers that
 * follow the index (poppler, MuPDF).
 */
export interface ObjectStreamHeader {
  /** Pairs in stream order. */
  readonly pairs: readonly { readonly num: number; readonly offset: number }[];
  /** Object numbers listed more than once (an ambiguous stream). */
  readonly duplicates: readonly number[];
}

export function parseObjectStreamHeader(data: Buffer, n: number, limits: PdfLimits): ObjectStreamHeader {
  const p = new Parser(data, 0, limits.maxDepth, data.length, limits.deadline);
  const pairs: { num: number; offset: number }[] = [];
  const seen = new Set<number>();
  const duplicates = new Set<number>();
  for (let i = 0; i < n && i < limits.maxObjects; i++) {
    const num = p.integer();
    const offset = p.integer();
    if (num === undefined || offset === undefined) break;
    if (seen.has(num)) duplicates.add(num);
    seen.add(num);
    pairs.push({ num, offset });
  }
  return { pairs, duplicates: [...duplicates] };
}

/**
 * Offset (relative to /First) of object `num` at `index`. When the pair at `index` names another
 * object, a number listed exactly once is still found (writers that miscount); an ambiguous or
 * absent number is not.
 */
export function compressedObjectOffset(h: ObjectStreamHeader, num: number, index: number): number | undefined {
  const at = h.pairs[index];
  if (at && at.num === num) return at.offset;
  if (h.duplicates.includes(num)) return undefined;
  return h.pairs.find((x) => x.num === num)?.offset;
}
