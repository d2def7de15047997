import { PdfDocument, type OpenOptions } from './document.js';
import { Parser } from './parser.js';
import type { XrefEntry } from './xref.js';

/** One revision of the file: the bytes [0, end) form the document as it was then (§7.5.6). */
export interface Revision {
  index: number;
  /** Offset of the `%%EOF` marker. */
  eofOffset: number;
  /** First byte after `%%EOF` and its end-of-line (CR, LF or CRLF), i.e. the revision's length. */
  end: number;
  /** The offset named by the last `startxref` before this `%%EOF`, when readable. */
  startxref: number | undefined;
}

/**
 * Lists revisions by their `%%EOF` markers, oldest first. A raw scan of the bytes (native
 * indexOf); a marker inside binary stream data could be counted, so callers that need certainty
 * check each revision's `startxref` against the xref chain (see `revisionObjects`).
 */
export function listRevisions(bytes: Buffer): Revision[] {
  const out: Revision[] = [];
  for (let at = bytes.indexOf('%%EOF'); at >= 0; at = bytes.indexOf('%%EOF', at + 5)) {
    let end = at + 5;
    if (bytes[end] === 0x0d) end++;
    if (bytes[end] === 0x0a) end++;
    const from = Math.max(out.length ? out[out.length - 1]!.end : 0, at - 4096);
    const sx = bytes.subarray(from, at).lastIndexOf('startxref');
    let startxref: number | undefined;
    if (sx >= 0) startxref = new Parser(bytes, from + sx + 9).integer();
    out.push({ index: out.length, eofOffset: at, end, startxref });
  }
  return out;
}

/**
 * The xref entries written in one revision: the sections of the document's /Prev chain that lie
 * inside [previous revision end, this revision end) — for a linearized file both the first-page
 * and the main section of revision 0. Entries of newer sections take precedence. A repaired
 * document has no sections (its table came from a scan): every revision is then empty.
 */
export function revisionObjects(doc: PdfDocument, revisions: Revision[], index: number): Map<number, XrefEntry> {
  const rev = revisions[index];
  if (!rev) throw new TypeError(`no revision ${index}`);
  const lo = index > 0 ? revisions[index - 1]!.end : 0;
  const out = new Map<number, XrefEntry>();
  const inside = (off: number): boolean => off >= lo && off < rev.end;
  for (const s of doc.sections) {
    if (!inside(s.offset)) continue;
    for (const [n, e] of s.entries) if (!out.has(n) || (out.get(n)!.kind === 'free' && e.kind !== 'free')) out.set(n, e);
    if (s.hybrid) for (const [n, e] of s.hybrid.entries) if (!out.has(n) || out.get(n)!.kind === 'free') out.set(n, e);
  }
  return out;
}

/** The document as it was at a revision: its byte prefix [0, end), read on its own (a view, no copy). */
export function openRevision(bytes: Buffer, rev: Revision, options: OpenOptions = {}): PdfDocument {
  return PdfDocument.open(bytes.subarray(0, rev.end), options);
}
