import { checkDeadline } from './limits.js';
import type { PdfRevisions } from './revision-reader.js';

/** An `N G obj` header that no cross-reference section of the file lists. */
export interface UnlistedObject {
  readonly num: number;
  readonly offset: number;
  /** The header lies after the final `%%EOF` (no revision contains it at all). */
  readonly afterFinalEof: boolean;
}

const HEADER = /(?<![0-9])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj(?![A-Za-z0-9])/g;

/**
 * Object definitions in the bytes after revision `from` that no xref section lists (ISO 32000-1
 * §7.5.6: an update's objects are reached only through its cross-reference section). A reader
 * that follows the xref ignores them, a viewer that rebuilds its table by scanning shows them —
 * the incremental saving attack without xref and trailer. Headers inside a listed object (stream
 * data, strings) are not definitions and are skipped. Cost: the bytes after revision `from`.
 */
export function unlistedObjects(pdf: PdfRevisions, from: number): UnlistedObject[] {
  const start = pdf.revisions[from]?.end ?? pdf.buf.length;
  if (start >= pdf.buf.length) return [];
  const finalEnd = pdf.last.end;
  const listed = new Set<number>();
  const spans: [number, number][] = [];
  for (let r = from + 1; r < pdf.revisions.length; r++) {
    for (const s of pdf.revisions[r]!.sections) {
      if (s.kind === 'stream') listed.add(s.offset);
      for (const e of s.entries.values()) if (e.kind === 'offset' && e.offset >= start) listed.add(e.offset);
    }
  }
  for (const off of listed) {
    try {
      spans.push([off, pdf.parseIndirectAt(off).end]);
    } catch {
      // an entry that points at no object is reported by the reader (object-offset) when read
    }
  }
  const inside = (off: number) => spans.some(([a, b]) => off > a && off < b);
  const text = pdf.buf.toString('latin1', start);
  const out: UnlistedObject[] = [];
  HEADER.lastIndex = 0;
  for (let m = HEADER.exec(text); m; m = HEADER.exec(text)) {
    const offset = start + m.index;
    if ((out.length & 1023) === 1023) checkDeadline(pdf.limits);
    if (listed.has(offset) || inside(offset)) continue;
    out.push({ num: Number(m[1]), offset, afterFinalEof: offset >= finalEnd });
    if (out.length >= 1000) break;
  }
  return out;
}
