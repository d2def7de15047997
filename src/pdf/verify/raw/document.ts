/**
 * Revision-aware PDF reader for the validator (STANDARDS.md rule 5). It follows
 * startxref → xref section (table, stream or hybrid /XRefStm) → /Prev (ISO 32000-1 §7.5.4-§7.5.8),
 * rejects loops and offsets outside the file, groups a linearized file's two sections into one
 * revision, and resolves any object as it was in any revision. When the xref chain is broken it
 * falls back to scanning for `n g obj` (as viewers do) and records a warning.
 */
import { Budget, VerifyLimitError, type VerifyLimits } from '../limits.js';
import { decodeStreamData } from './decode.js';
import { Lexer, PdfDict, PdfName, PdfRef, PdfStream, PdfSyntaxError, asInt, isName, type PdfValue } from './objects.js';

export type XrefEntry =
  | { readonly t: 'n'; readonly offset: number; readonly gen: number }
  | { readonly t: 'c'; readonly stream: number; readonly index: number }
  | { readonly t: 'f' };

export interface XrefSection {
  readonly offset: number;
  readonly kind: 'table' | 'stream' | 'recovered';
  readonly entries: Map<number, XrefEntry>;
  readonly trailer: PdfDict;
  readonly prev: number | undefined;
  readonly hybrid: boolean;
  /** Offset just after the trailer dictionary / xref stream: %%EOF is searched from here. */
  readonly end: number;
}

export interface Revision {
  readonly index: number;
  /** Sections of this revision (two for a linearized file), newest first. */
  readonly sections: XrefSection[];
  /** Offset just after this revision's `%%EOF` (and its end-of-line). */
  readonly end: number;
  /** Offset of the `%%EOF` marker itself (-1 if none found). */
  readonly eofAt: number;
  /** The startxref value written just before that %%EOF. */
  readonly startxref: number | undefined;
  readonly trailer: PdfDict;
}

const EOF = Buffer.from('%%EOF');
const STARTXREF = Buffer.from('startxref');

export class RawPdf {
  readonly revisions: Revision[] = [];
  readonly warnings: string[] = [];
  recovered = false;
  private readonly objCache = new Map<string, PdfValue>();
  private readonly objStmCache = new Map<number, { offsets: Map<number, number>; data: Buffer; first: number }>();
  private scanIndex: Map<number, number> | undefined;
  private objectCount = 0;

  constructor(
    readonly buf: Buffer,
    readonly limits: VerifyLimits,
    readonly budget: Budget,
  ) {
    const header = buf.subarray(0, 65536).indexOf('%PDF-') >= 0;
    if (buf.length < 8 || (!header && buf.lastIndexOf(STARTXREF) < 0)) throw new PdfSyntaxError('not a PDF: no %PDF- header and no startxref', 0);
    if (!header) this.warnings.push('no %PDF- header');
    try {
      this.readChain();
    } catch (e) {
      if (e instanceof VerifyLimitError) throw e;
      this.warnings.push(`xref chain unreadable (${(e as Error).message}); objects recovered by scanning`);
      this.recover();
    }
  }

  get last(): Revision {
    return this.revisions[this.revisions.length - 1]!;
  }

  private readChain(): void {
    const sx = this.buf.lastIndexOf(STARTXREF);
    if (sx < 0) throw new PdfSyntaxError('no startxref', this.buf.length);
    const lx = new Lexer(this.buf, sx + STARTXREF.length);
    const start = Number(lx.token());
    if (!Number.isInteger(start)) throw new PdfSyntaxError('startxref is not an integer', sx);
    const chain: XrefSection[] = [];
    const seen = new Set<number>();
    let off: number | undefined = start;
    while (off !== undefined) {
      this.budget.check();
      if (seen.has(off)) throw new PdfSyntaxError('loop in the /Prev chain', off);
      if (off < 0 || off >= this.buf.length) throw new PdfSyntaxError('xref offset outside the file', off);
      seen.add(off);
      if (chain.length >= this.limits.maxRevisions * 2) throw new VerifyLimitError('revisions', `more than ${this.limits.maxRevisions} revisions`);
      let sec: XrefSection;
      try {
        sec = this.readSection(off);
      } catch (e) {
        if (e instanceof VerifyLimitError || chain.length === 0) throw e;
        this.warnings.push(`broken /Prev chain at ${off}: revisions rebuilt from startxref markers`);
        this.readByMarkers();
        return;
      }
      chain.push(sec);
      off = sec.prev;
    }
    // chain is newest first; group linearized pairs (a section whose /Prev lies after it)
    const groups: XrefSection[][] = [];
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i]!;
      const g = groups[groups.length - 1];
      if (g && g[0] && s.prev !== undefined && s.prev > s.offset && g.includes(chain[i + 1]!)) {
        g.unshift(s);
        continue;
      }
      groups.push([s]);
    }
    if (groups.length > this.limits.maxRevisions) throw new VerifyLimitError('revisions', `more than ${this.limits.maxRevisions} revisions`);
    groups.forEach((sections, index) => {
      // search %%EOF only after the trailer itself, so a "%%EOF" inside a trailer string cannot
      // cut a revision short (STANDARDS.md rule 5)
      const maxOff = Math.max(...sections.map((s) => s.end));
      const eofAt = this.buf.indexOf(EOF, maxOff);
      const end = eofAt < 0 ? this.buf.length : eolEnd(this.buf, eofAt + EOF.length);
      const sxAt = eofAt < 0 ? -1 : this.buf.lastIndexOf(STARTXREF, eofAt);
      const sxv = sxAt >= 0 ? Number(new Lexer(this.buf, sxAt + STARTXREF.length).token()) : NaN;
      this.revisions.push({ index, sections, end, eofAt, startxref: Number.isInteger(sxv) ? sxv : undefined, trailer: sections[0]!.trailer });
    });
    for (let i = 1; i < this.revisions.length; i++) {
      if (this.revisions[i]!.end <= this.revisions[i - 1]!.end) this.warnings.push(`revision ${i} does not end after revision ${i - 1}`);
    }
  }

  /** Every `startxref N %%EOF` pair in file order gives one revision (used when /Prev is broken). */
  private readByMarkers(): void {
    const seen = new Set<number>();
    let p = 0;
    for (;;) {
      this.budget.check();
      const sx = this.buf.indexOf(STARTXREF, p);
      if (sx < 0) break;
      p = sx + STARTXREF.length;
      const off = Number(new Lexer(this.buf, p).token());
      const eofAt = this.buf.indexOf(EOF, p);
      if (!Number.isInteger(off) || seen.has(off) || eofAt < 0) continue;
      seen.add(off);
      let sec: XrefSection;
      try {
        sec = this.readSection(off);
      } catch (e) {
        if (e instanceof VerifyLimitError) throw e;
        continue;
      }
      if (this.revisions.length >= this.limits.maxRevisions) throw new VerifyLimitError('revisions', `more than ${this.limits.maxRevisions} revisions`);
      this.revisions.push({ index: this.revisions.length, sections: [sec], end: eolEnd(this.buf, eofAt + EOF.length), eofAt, startxref: off, trailer: sec.trailer });
    }
    if (this.revisions.length === 0) throw new PdfSyntaxError('no readable xref section', 0);
  }

  private readSection(off: number): XrefSection {
    const lx = new Lexer(this.buf, off, this.limits.maxDepth);
    lx.skipWs();
    if (this.buf.toString('latin1', lx.pos, lx.pos + 4) === 'xref') {
      lx.pos += 4;
      const entries = new Map<number, XrefEntry>();
      for (;;) {
        this.budget.check();
        const t = lx.peekToken();
        if (t === 'trailer' || t === '') break;
        const first = Number(lx.token());
        const count = Number(lx.token());
        if (!Number.isInteger(first) || !Number.isInteger(count) || count < 0) throw new PdfSyntaxError('bad xref subsection header', lx.pos);
        if ((this.objectCount += count) > this.limits.maxObjects) throw new VerifyLimitError('objects', `more than ${this.limits.maxObjects} objects`);
        for (let i = 0; i < count; i++) {
          const o = Number(lx.token());
          const g = Number(lx.token());
          const k = lx.token();
          if (!Number.isInteger(o) || !Number.isInteger(g) || (k !== 'n' && k !== 'f')) throw new PdfSyntaxError('bad xref entry', lx.pos);
          if (!entries.has(first + i)) entries.set(first + i, k === 'n' ? { t: 'n', offset: o, gen: g } : { t: 'f' });
        }
      }
      if (lx.token() !== 'trailer') throw new PdfSyntaxError('no trailer', lx.pos);
      const trailer = lx.value();
      if (!(trailer instanceof PdfDict)) throw new PdfSyntaxError('trailer is not a dictionary', lx.pos);
      const xs = asInt(trailer.get('XRefStm'));
      let hybrid = false;
      if (xs !== undefined && xs > 0 && xs < this.buf.length) {
        try {
          const s = this.readSection(xs);
          for (const [n, e] of s.entries) {
            const cur = entries.get(n);
            if (!cur || cur.t === 'f') entries.set(n, e);
          }
          hybrid = true;
        } catch (e) {
          if (e instanceof VerifyLimitError) throw e;
          this.warnings.push(`hybrid /XRefStm at ${xs} unreadable`);
        }
      }
      return { offset: off, kind: 'table', entries, trailer, prev: asInt(trailer.get('Prev')), hybrid, end: trailer.end };
    }
    const obj = this.parseIndirectAt(off);
    if (!(obj.value instanceof PdfStream) || !isName(obj.value.dict.get('Type'), 'XRef')) throw new PdfSyntaxError('startxref does not point to an xref', off);
    const st = obj.value;
    const d = st.dict;
    const data = decodeStreamData(this.buf.subarray(st.dataStart, st.dataEnd), d, this.limits, (v) => v);
    const w = d.get('W');
    if (!Array.isArray(w) || w.length < 3 || !w.every((x) => typeof x === 'number' && x >= 0 && x <= 8)) throw new PdfSyntaxError('bad /W', off);
    const [w0, w1, w2] = w as [number, number, number];
    const size = asInt(d.get('Size')) ?? 0;
    const idx = d.get('Index');
    const ranges: number[] = Array.isArray(idx) ? idx.map((x) => (typeof x === 'number' ? x : -1)) : [0, size];
    const entries = new Map<number, XrefEntry>();
    const rowLen = w0 + w1 + w2;
    let p = 0;
    const rd = (n: number): number => {
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + (data[p++] ?? 0);
      return v;
    };
    for (let r = 0; r + 1 < ranges.length; r += 2) {
      const first = ranges[r]!;
      const count = ranges[r + 1]!;
      if (first < 0 || count < 0) throw new PdfSyntaxError('bad /Index', off);
      if ((this.objectCount += count) > this.limits.maxObjects) throw new VerifyLimitError('objects', `more than ${this.limits.maxObjects} objects`);
      for (let i = 0; i < count && p + rowLen <= data.length; i++) {
        const type = w0 === 0 ? 1 : rd(w0);
        const a = rd(w1);
        const b = rd(w2);
        if (entries.has(first + i)) continue;
        if (type === 1) entries.set(first + i, { t: 'n', offset: a, gen: b });
        else if (type === 2) entries.set(first + i, { t: 'c', stream: a, index: b });
        else if (type === 0) entries.set(first + i, { t: 'f' });
      }
    }
    return { offset: off, kind: 'stream', entries, trailer: d, prev: asInt(d.get('Prev')), hybrid: false, end: st.dataEnd };
  }

  /** Rebuilds a single revision from `n g obj` markers when the xref chain is unusable. */
  private recover(): void {
    this.recovered = true;
    const idx = this.buildScanIndex();
    const entries = new Map<number, XrefEntry>();
    for (const [n, off] of idx) entries.set(n, { t: 'n', offset: off, gen: 0 });
    let trailer: PdfDict | undefined;
    const tpos = this.buf.lastIndexOf('trailer');
    if (tpos >= 0) {
      try {
        const v = new Lexer(this.buf, tpos + 7, this.limits.maxDepth).value();
        if (v instanceof PdfDict && v.get('Root')) trailer = v;
      } catch {
        /* fall through */
      }
    }
    if (!trailer) {
      // find a catalog among the objects (possibly an xref stream's dictionary with /Root)
      for (const [n] of idx) {
        this.budget.check();
        const v = this.tryResolve(new PdfRef(n, 0), entries);
        const d = v instanceof PdfStream ? v.dict : v instanceof PdfDict ? v : undefined;
        if (d && d.get('Root') instanceof PdfRef) trailer = d;
        if (d && isName(d.get('Type'), 'Catalog')) trailer = new PdfDict(new Map([['Root', new PdfRef(n, 0)]]), 0, 0);
      }
    }
    const eofAt = this.buf.lastIndexOf(EOF);
    this.revisions.push({
      index: 0,
      sections: [{ offset: -1, kind: 'recovered', entries, trailer: trailer ?? new PdfDict(new Map(), 0, 0), prev: undefined, hybrid: false, end: 0 }],
      end: eofAt < 0 ? this.buf.length : eolEnd(this.buf, eofAt + 5),
      eofAt,
      startxref: undefined,
      trailer: trailer ?? new PdfDict(new Map(), 0, 0),
    });
  }

  private tryResolve(ref: PdfRef, entries: Map<number, XrefEntry>): PdfValue | undefined {
    try {
      const e = entries.get(ref.num);
      return e ? this.loadEntry(ref.num, e) : undefined;
    } catch (err) {
      if (err instanceof VerifyLimitError) throw err;
      return undefined;
    }
  }

  private buildScanIndex(): Map<number, number> {
    if (this.scanIndex) return this.scanIndex;
    const idx = new Map<number, number>();
    const s = this.buf.toString('latin1');
    const re = /(?:^|[\s>\]])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj\b/g;
    let m: RegExpExecArray | null;
    let count = 0;
    while ((m = re.exec(s))) {
      if (++count % 4096 === 0) this.budget.check();
      if (count > this.limits.maxObjects) throw new VerifyLimitError('objects', `more than ${this.limits.maxObjects} objects`);
      idx.set(Number(m[1]), m.index + m[0].length - m[0].trimStart().length);
    }
    this.scanIndex = idx;
    return idx;
  }

  /** The xref entry of object `num` as seen in revision `rev` (newest section first). */
  entryAt(num: number, rev: number): XrefEntry | undefined {
    for (let r = Math.min(rev, this.revisions.length - 1); r >= 0; r--) {
      for (const s of this.revisions[r]!.sections) {
        const e = s.entries.get(num);
        if (e) return e;
      }
    }
    return undefined;
  }

  /** Resolves a reference in revision `rev` (default: the final one). Unknown objects are null. */
  resolve(v: PdfValue | undefined, rev = this.revisions.length - 1): PdfValue | undefined {
    let cur = v;
    for (let hops = 0; cur instanceof PdfRef; hops++) {
      if (hops > 32) return null;
      cur = this.object(cur.num, rev);
    }
    return cur;
  }

  object(num: number, rev = this.revisions.length - 1): PdfValue {
    const e = this.entryAt(num, rev);
    if (!e || e.t === 'f') return null;
    try {
      return this.loadEntry(num, e);
    } catch (err) {
      if (err instanceof VerifyLimitError) throw err;
      return null;
    }
  }

  /** A stable identity for an object version (equal keys ⇒ identical bytes). */
  static entryKey(e: XrefEntry | undefined): string {
    if (!e || e.t === 'f') return 'free';
    return e.t === 'n' ? `n${e.offset}` : `c${e.stream}.${e.index}`;
  }

  loadEntry(num: number, e: XrefEntry): PdfValue {
    const key = RawPdf.entryKey(e);
    const hit = this.objCache.get(key);
    if (hit !== undefined) return hit;
    this.budget.check();
    let v: PdfValue;
    if (e.t === 'n') {
      let got: { num: number; value: PdfValue } | undefined;
      try {
        got = this.parseIndirectAt(e.offset);
      } catch (err) {
        if (err instanceof VerifyLimitError) throw err;
      }
      if (!got || got.num !== num) {
        const off = this.buildScanIndex().get(num);
        if (off === undefined) return null;
        this.warnings.push(`object ${num} not at its xref offset; recovered by scanning`);
        got = this.parseIndirectAt(off);
      }
      v = got.value;
    } else if (e.t === 'c') {
      v = this.fromObjStm(num, e.stream, e.index);
    } else v = null;
    this.objCache.set(key, v);
    return v;
  }

  private fromObjStm(num: number, stream: number, index: number): PdfValue {
    let os = this.objStmCache.get(stream);
    if (!os) {
      const e = this.entryAt(stream, this.revisions.length - 1);
      if (!e || e.t !== 'n') return null;
      const st = this.loadEntry(stream, e);
      if (!(st instanceof PdfStream)) return null;
      const data = this.streamData(st);
      const n = asInt(st.dict.get('N')) ?? 0;
      const first = asInt(st.dict.get('First')) ?? 0;
      const lx = new Lexer(data, 0, this.limits.maxDepth);
      const offsets = new Map<number, number>();
      for (let i = 0; i < n && i < this.limits.maxObjects; i++) {
        const on = Number(lx.token());
        const oo = Number(lx.token());
        if (!Number.isInteger(on) || !Number.isInteger(oo)) break;
        if (!offsets.has(on)) offsets.set(on, oo);
      }
      os = { offsets, data, first };
      this.objStmCache.set(stream, os);
    }
    void index;
    const rel = os.offsets.get(num);
    if (rel === undefined) return null;
    return new Lexer(os.data, os.first + rel, this.limits.maxDepth).value();
  }

  /** Decoded data of a stream (FlateDecode only; bounded). */
  streamData(st: PdfStream): Buffer {
    return decodeStreamData(this.buf.subarray(st.dataStart, st.dataEnd), st.dict, this.limits, (v) => this.resolve(v));
  }

  parseIndirectAt(off: number): { num: number; gen: number; value: PdfValue } {
    if (off < 0 || off >= this.buf.length) throw new PdfSyntaxError('object offset outside the file', off);
    const lx = new Lexer(this.buf, off, this.limits.maxDepth);
    const num = Number(lx.token());
    const gen = Number(lx.token());
    if (!Number.isInteger(num) || !Number.isInteger(gen) || lx.token() !== 'obj') throw new PdfSyntaxError('not an indirect object', off);
    const value = lx.value();
    if (value instanceof PdfDict) {
      const save = lx.pos;
      if (lx.token() === 'stream') {
        let p = lx.pos;
        if (this.buf[p] === 0x0d) p++;
        if (this.buf[p] === 0x0a) p++;
        let len = value.get('Length');
        if (len instanceof PdfRef) {
          const e = this.entryAt(len.num, this.revisions.length - 1) ?? this.scanEntry(len.num);
          len = e && e.t !== 'f' && !(e.t === 'n' && e.offset === off) ? this.loadEntry(len.num, e) : undefined;
        }
        let end = typeof len === 'number' && len >= 0 ? p + len : -1;
        if (end < 0 || end > this.buf.length || !/^\s*endstream/.test(this.buf.toString('latin1', end, end + 12))) {
          const es = this.buf.indexOf('endstream', p);
          if (es < 0) throw new PdfSyntaxError('unterminated stream', p);
          end = es;
          while (end > p && (this.buf[end - 1] === 0x0a || this.buf[end - 1] === 0x0d)) end--;
        }
        return { num, gen, value: new PdfStream(value, p, end) };
      }
      lx.pos = save;
    }
    return { num, gen, value };
  }

  private scanEntry(num: number): XrefEntry | undefined {
    const off = this.buildScanIndex().get(num);
    return off === undefined ? undefined : { t: 'n', offset: off, gen: 0 };
  }

  /** All object numbers visible in revision `rev`. */
  objectNumbers(rev: number): Set<number> {
    const out = new Set<number>();
    for (let r = 0; r <= rev; r++) for (const s of this.revisions[r]!.sections) for (const [n, e] of s.entries) if (e.t !== 'f') out.add(n);
    return out;
  }

  trailerValue(key: string, rev = this.revisions.length - 1): PdfValue | undefined {
    for (let r = rev; r >= 0; r--) {
      for (const s of this.revisions[r]!.sections) {
        const v = s.trailer.get(key);
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }

  catalog(rev = this.revisions.length - 1): PdfDict | undefined {
    const c = this.resolve(this.trailerValue('Root', rev), rev);
    return c instanceof PdfDict ? c : undefined;
  }
}

export function eolEnd(buf: Buffer, p: number): number {
  if (buf[p] === 0x0d) p++;
  if (buf[p] === 0x0a) p++;
  return p;
}

export { PdfName };
