import { PdfDict, PdfRef, PdfStream } from './objects.js';
import { Parser } from './parser.js';
import type { XrefEntry } from './xref.js';
import { checkDeadline, limitExceeded, type PdfLimits } from './limits.js';

/**
 * Rebuilds an object table by scanning the whole file for `N G obj` headers — the last
 * definition of a number wins, as it would in an incremental update. Used only when the normal
 * xref path (startxref → sections → /Prev) fails, and then reported as a repair.
 */
export interface ScanResult {
  entries: Map<number, XrefEntry>;
  /** Trailer assembled from the `trailer` dictionaries and xref stream dictionaries found, newest first. */
  trailer: PdfDict;
  /** Object numbers whose definition is an object stream (/Type /ObjStm). */
  objectStreams: number[];
}

/**
 * Only the `N G obj` headers (the first step of scanObjects): where each object number is last
 * defined. Cheap enough for the one-object fallbacks (an xref offset that misses its object).
 */
export function scanObjectHeaders(
  buf: Buffer,
  limits: PdfLimits,
  text = buf.toString('latin1', 0, buf.length),
): { entries: Map<number, XrefEntry>; headers: Array<{ num: number; offset: number }> } {
  const entries = new Map<number, XrefEntry>();
  const re = /(?<![0-9])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj(?![A-Za-z0-9])/g;
  const headers: Array<{ num: number; offset: number }> = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const num = Number(m[1]);
    if (num >= limits.maxObjects) continue;
    entries.set(num, { kind: 'offset', offset: m.index, gen: Number(m[2]) });
    headers.push({ num, offset: m.index });
    if ((headers.length & 4095) === 0) checkDeadline(limits);
    if (headers.length > limits.maxObjects) throw limitExceeded('objects', 'too many objects while repairing');
  }
  return { entries, headers };
}

export function scanObjects(buf: Buffer, limits: PdfLimits): ScanResult {
  const text = buf.toString('latin1', 0, buf.length);
  const { entries, headers } = scanObjectHeaders(buf, limits, text);
  // the object containing a given offset: the last header before it
  const containing = (off: number): { num: number; offset: number } | undefined => {
    let lo = 0,
      hi = headers.length - 1,
      best: { num: number; offset: number } | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const h = headers[mid]!;
      if (h.offset <= off) {
        best = h;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  };
  const parseAt = (offset: number): PdfDict | undefined => {
    try {
      const v = new Parser(buf, offset, limits.maxDepth).parseIndirect().value;
      return v instanceof PdfStream ? v.dict : v instanceof PdfDict ? v : undefined;
    } catch {
      return undefined;
    }
  };
  const trailer = new PdfDict();
  const mergeTrailer = (d: PdfDict): void => {
    for (const k of ['Root', 'Info', 'ID', 'Encrypt', 'Size']) if (!trailer.has(k) && d.has(k)) trailer.set(k, d.get(k)!);
  };
  // newest first: classic trailers and xref stream dictionaries, by position from the end
  const cands: Array<{ at: number; dict: () => PdfDict | undefined }> = [];
  for (let at = text.lastIndexOf('trailer'); at >= 0; at = at > 0 ? text.lastIndexOf('trailer', at - 1) : -1) {
    const pos = at + 7;
    cands.push({
      at,
      dict: () => {
        try {
          const v = new Parser(buf, pos, limits.maxDepth).parseObject();
          return v instanceof PdfDict ? v : undefined;
        } catch {
          return undefined;
        }
      },
    });
    if (cands.length > 1000) break;
  }
  const objectStreams: number[] = [];
  for (const [word, isXref] of [
    ['/XRef', true],
    ['/ObjStm', false],
  ] as const) {
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
      const next = text.charCodeAt(at + word.length);
      if (/[A-Za-z0-9]/.test(String.fromCharCode(next))) continue;
      const h = containing(at);
      if (!h || entries.get(h.num)?.kind !== 'offset') continue;
      const d = parseAt(h.offset);
      if (!d) continue;
      if (isXref && d.getName('Type') === 'XRef') cands.push({ at: h.offset, dict: () => d });
      if (!isXref && d.getName('Type') === 'ObjStm' && !objectStreams.includes(h.num)) objectStreams.push(h.num);
    }
  }
  cands.sort((a, b) => b.at - a.at);
  for (const c of cands) {
    const d = c.dict();
    if (d) mergeTrailer(d);
    if (trailer.has('Root')) break;
  }
  if (!trailer.has('Root')) {
    for (let at = text.lastIndexOf('/Catalog'); at >= 0; at = at > 0 ? text.lastIndexOf('/Catalog', at - 1) : -1) {
      const h = containing(at);
      if (!h) continue;
      const d = parseAt(h.offset);
      if (d?.getName('Type') === 'Catalog') {
        const e = entries.get(h.num);
        trailer.set('Root', new PdfRef(h.num, e && e.kind === 'offset' ? e.gen : 0));
        break;
      }
    }
  }
  return { entries, trailer, objectStreams };
}
