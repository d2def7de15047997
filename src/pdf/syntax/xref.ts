import { AppError } from '../../core/errors.js';
import { decodeStreamData } from './filters.js';
import { checkDeadline, limitExceeded, type PdfLimits } from './limits.js';
import { PdfDict, PdfStream } from './objects.js';
import { Parser, malformed, type LengthResolver } from './parser.js';

/** One cross-reference entry (ISO 32000-1 §7.5.4 table entries, §7.5.8.3 stream entry types). */
export type XrefEntry =
  { kind: 'free' } | { kind: 'offset'; offset: number; gen: number } | { kind: 'compressed'; stream: number; index: number };

/** One xref section as found at an offset: a classic table (+ trailer) or an xref stream. */
export interface XrefSection {
  kind: 'table' | 'stream';
  offset: number;
  /** The trailer dictionary (for a stream: the stream dictionary). */
  trailer: PdfDict;
  entries: Map<number, XrefEntry>;
  /** For hybrid files (§7.5.8.4): the entries of the stream named by /XRefStm. */
  hybrid?: { offset: number; entries: Map<number, XrefEntry>; streamNum?: number };
  /** Object number of the xref stream itself (kind 'stream'). */
  streamNum?: number;
  /** First byte after the trailer dictionary / the xref stream object: `%%EOF` is searched from here. */
  end: number;
}

function digits(buf: Buffer, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[at + i]! - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function fixedEntry(buf: Buffer, at: number): { offset: number; gen: number; inUse: boolean } | undefined {
  if (at + 18 > buf.length || buf[at + 10] !== 0x20 || buf[at + 16] !== 0x20) return undefined;
  const t = buf[at + 17];
  if (t !== 0x6e && t !== 0x66) return undefined;
  const offset = digits(buf, at, 10);
  const gen = digits(buf, at + 11, 5);
  if (offset < 0 || gen < 0) return undefined;
  const next = buf[at + 18];
  if (next !== undefined && next !== 0x20 && next !== 0x0d && next !== 0x0a) return undefined;
  return { offset, gen, inUse: t === 0x6e };
}

const FREE: XrefEntry = Object.freeze({ kind: 'free' });

/** The entry at `at` when it is a standard 18-byte entry; its 2-byte end of line is checked by the caller. */
function fixedEntryAt(buf: Buffer, at: number): XrefEntry | undefined {
  if (at + 20 > buf.length || buf[at + 10] !== 0x20 || buf[at + 16] !== 0x20) return undefined;
  const t = buf[at + 17];
  if (t === 0x66) return FREE;
  if (t !== 0x6e) return undefined;
  const offset = digits(buf, at, 10);
  const gen = digits(buf, at + 11, 5);
  return offset < 0 || gen < 0 ? undefined : { kind: 'offset', offset, gen };
}

/** §7.5.4: each entry ends with a 2-byte end of line (SP CR, SP LF or CR LF). */
function isEntryEnd(a: number | undefined, b: number | undefined): boolean {
  return (a === 0x20 && (b === 0x0d || b === 0x0a)) || (a === 0x0d && b === 0x0a);
}

/** §7.5.4 classic table followed by §7.5.5 trailer. `p.pos` is just after the `xref` keyword. */
function parseTable(buf: Buffer, offset: number, limits: PdfLimits): XrefSection {
  const p = new Parser(buf, offset, limits.maxDepth, buf.length, limits.deadline);
  if (!p.keyword('xref')) throw malformed('expected "xref"', { offset });
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    p.skipWs();
    if (p.keyword('trailer')) break;
    checkDeadline(limits);
    const start = p.integer();
    const count = p.integer();
    if (start === undefined || count === undefined) throw malformed('bad xref subsection header', { offset: p.pos });
    if (start + count > limits.maxObjects) throw limitExceeded('objects', `xref declares more than ${limits.maxObjects} objects`);
    p.skipWs();
    // Fast path: a run of standard fixed 20-byte entries `oooooooooo ggggg n` + 2-byte EOL
    // (§7.5.4) is read straight from the bytes, without the tokenizer (a 1,000-page file has
    // ~3,000 of them and every signature opens the file again).
    let i = 0;
    for (let at = p.pos; i < count; i++, at += 20) {
      const e = fixedEntryAt(buf, at);
      if (e === undefined || !isEntryEnd(buf[at + 18], buf[at + 19])) break;
      const num = start + i;
      if (!entries.has(num)) entries.set(num, e);
      p.pos = at + 20;
    }
    for (; i < count; i++) {
      p.skipWs();
      const fixed = fixedEntry(buf, p.pos);
      if (fixed) {
        const num = start + i;
        if (!entries.has(num)) entries.set(num, fixed.inUse ? { kind: 'offset', offset: fixed.offset, gen: fixed.gen } : { kind: 'free' });
        p.pos += 18;
        continue;
      }
      const off = p.integer();
      const gen = p.integer();
      p.skipWs();
      const t = p.regularToken();
      if (off === undefined || gen === undefined || (t !== 'n' && t !== 'f')) throw malformed('bad xref table entry', { offset: p.pos });
      const num = start + i;
      if (!entries.has(num)) entries.set(num, t === 'n' ? { kind: 'offset', offset: off, gen } : { kind: 'free' });
    }
  }
  const trailer = p.parseObject();
  if (!(trailer instanceof PdfDict)) throw malformed('trailer is not a dictionary', { offset: p.pos });
  return { kind: 'table', offset, trailer, entries, end: p.pos };
}

/** §7.5.8 cross-reference stream: /W field widths, /Index subsections, default type 1. */
function parseStream(buf: Buffer, offset: number, limits: PdfLimits, resolveLength?: LengthResolver): XrefSection {
  const p = new Parser(buf, offset, limits.maxDepth, buf.length, limits.deadline);
  const obj = p.parseIndirect(resolveLength);
  const s = obj.value;
  if (!(s instanceof PdfStream) || s.dict.getName('Type') !== 'XRef') throw malformed('expected an xref stream', { offset });
  const d = s.dict;
  const w = d.get('W');
  const size = d.getNumber('Size');
  if (!Array.isArray(w) || w.length < 3 || !w.every((x) => typeof x === 'number' && x >= 0 && x <= 8))
    throw malformed('xref stream /W invalid', { offset });
  if (size === undefined || size < 0) throw malformed('xref stream /Size missing', { offset });
  if (size > limits.maxObjects) throw limitExceeded('objects', `xref declares more than ${limits.maxObjects} objects`);
  const [w0, w1, w2] = w as number[] as [number, number, number];
  const idx = d.get('Index');
  const index: number[] = Array.isArray(idx) ? idx.map((x) => (typeof x === 'number' ? x : -1)) : [0, size];
  if (index.length % 2 || index.some((x) => x < 0 || !Number.isInteger(x))) throw malformed('xref stream /Index invalid', { offset });
  const data = decodeStreamData(s, limits);
  const rec = w0 + w1 + w2;
  if (rec === 0) throw malformed('xref stream /W all zero', { offset });
  const field = (pos: number, width: number): number => {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + data[pos + i]!;
    return v;
  };
  const entries = new Map<number, XrefEntry>();
  let pos = 0;
  for (let k = 0; k < index.length; k += 2) {
    const start = index[k]!;
    const count = index[k + 1]!;
    if (start + count > limits.maxObjects) throw limitExceeded('objects', `xref declares more than ${limits.maxObjects} objects`);
    for (let i = 0; i < count; i++, pos += rec) {
      if (pos + rec > data.length) break; // short stream: keep what is there
      const type = w0 === 0 ? 1 : field(pos, w0);
      const f2 = field(pos + w0, w1);
      const f3 = field(pos + w0 + w1, w2);
      const num = start + i;
      if (entries.has(num)) continue;
      if (type === 0) entries.set(num, { kind: 'free' });
      else if (type === 1) entries.set(num, { kind: 'offset', offset: f2, gen: f3 });
      else if (type === 2) entries.set(num, { kind: 'compressed', stream: f2, index: f3 });
      // other types: reserved, treated as the null object (§7.5.8.3)
    }
  }
  return { kind: 'stream', offset, trailer: d, entries, streamNum: obj.num, end: obj.end };
}

/** Parses the section at `offset`, deciding its kind from the bytes found there. */
export function parseXrefSection(buf: Buffer, offset: number, limits: PdfLimits, resolveLength?: LengthResolver): XrefSection {
  checkDeadline(limits);
  if (!Number.isInteger(offset) || offset < 0 || offset >= buf.length) throw malformed('xref offset outside the file', { offset });
  const p = new Parser(buf, offset, limits.maxDepth, buf.length, limits.deadline);
  p.skipWs();
  const at = p.pos;
  const section = p.keyword('xref') ? parseTable(buf, at, limits) : parseStream(buf, at, limits, resolveLength);
  const xrefStm = section.kind === 'table' ? section.trailer.get('XRefStm') : undefined;
  if (typeof xrefStm === 'number') {
    try {
      const h = parseStream(buf, xrefStm, limits, resolveLength);
      section.hybrid = { offset: xrefStm, entries: h.entries, streamNum: h.streamNum };
    } catch (e) {
      if (e instanceof AppError && e.code === 'PDF_LIMIT_EXCEEDED') throw e;
      // a broken /XRefStm in a hybrid file: classic readers ignore it, so do we.
    }
  }
  return section;
}

/** Finds the offset given by the last `startxref` (§7.5.5), looking only at the file's tail. */
export function findStartxref(buf: Buffer): { startxref: number; keywordOffset: number } {
  // lastIndexOf searches backwards, so its cost is the distance from the end
  const at = buf.lastIndexOf('startxref');
  if (at < 0) throw malformed('no startxref found');
  const n = new Parser(buf, at + 9).integer();
  if (n === undefined) throw malformed('startxref not followed by an offset', { offset: at });
  return { startxref: n, keywordOffset: at };
}
