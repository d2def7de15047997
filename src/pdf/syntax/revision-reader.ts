import { AppError } from '../../core/errors.js';
import { PdfDocument, type OpenOptions } from './document.js';
import { decodeStreamData } from './filters.js';
import { checkDeadline, limitExceeded, resolveLimits, type PdfLimits } from './limits.js';
import { PdfDict, PdfRef, PdfStream, type PdfObject } from './objects.js';
import { Parser, malformed, type IndirectObject } from './parser.js';
import { scanObjectHeaders, scanObjects } from './repair.js';
import { compressedObjectOffset, parseObjectStreamHeader, type ObjectStreamHeader } from './object-stream.js';
import { parseXrefSection, type XrefEntry } from './xref.js';

/**
 * Revision-indexed reading of a PDF (ISO 32000-1 §7.5.6 incremental updates), for callers that
 * must see every revision rather than only the merged final document: the signature validator
 * (which revision a /ByteRange covers, what changed after it). It follows startxref → section
 * (table, stream or hybrid /XRefStm, §7.5.4-§7.5.8) → /Prev, rejects loops and offsets outside
 * the file, groups the two sections of a linearized file (Annex F) into one revision, and reads
 * any object as it was in any revision. A broken /Prev chain is rebuilt from the `startxref …
 * %%EOF` markers; an unreadable chain falls back to the object scan of repair.ts (`recovered`).
 *
 * Same parser, filters, limits and repair scan as PdfDocument; objects are parsed on first use
 * and cached per xref entry, so the cost grows with the tail and the objects touched. Strings
 * are never decrypted (signature /Contents are stored in clear, ISO 32000-2 §7.6.2). Errors:
 * AppError PDF_NOT_PDF when there is nothing PDF-like, PDF_LIMIT_EXCEEDED (details.limit) when a
 * limit or `limits.deadline` is hit; malformed objects read as null.
 */

/** One xref section with its hybrid entries merged (entries of the /XRefStm fill gaps, §7.5.8.4). */
export interface RevisionSection {
  readonly offset: number;
  readonly kind: 'table' | 'stream' | 'recovered';
  readonly entries: ReadonlyMap<number, XrefEntry>;
  readonly trailer: PdfDict;
  readonly prev: number | undefined;
  readonly hybrid: boolean;
  /** Object numbers of this section's cross-reference streams (its own, a hybrid's /XRefStm). */
  readonly xrefStreams: readonly number[];
  /** Offset just after the trailer dictionary / xref stream object: `%%EOF` is searched from here. */
  readonly end: number;
}

/** One revision: the bytes [0, end) are the document as it was then. */
export interface RevisionRecord {
  readonly index: number;
  /** Sections written in this revision (two for a linearized file), newest first. */
  readonly sections: readonly RevisionSection[];
  /** Offset just after this revision's `%%EOF` and its end-of-line. */
  readonly end: number;
  /** Offset of the `%%EOF` marker itself (-1 if none). */
  readonly eofAt: number;
  /** The startxref value written just before that %%EOF. */
  readonly startxref: number | undefined;
  readonly trailer: PdfDict;
}

/**
 * Something the reader had to tolerate that can make viewers disagree about the document:
 * `xref-chain` the last startxref leads to no readable section (objects recovered by scanning),
 * `prev` a /Prev that leads nowhere (revisions rebuilt from the startxref markers), `object-offset`
 * an xref entry that does not point at its object, `objstm-duplicate` an object stream listing
 * the same number twice. `offset` is where in the file (the startxref value, the /Prev value,
 * the entry's offset, the object stream).
 */
export interface ReadRecovery {
  readonly kind: 'xref-chain' | 'prev' | 'object-offset' | 'objstm-duplicate';
  readonly offset: number;
  readonly object?: number;
}

export interface RevisionReaderOptions {
  limits?: Partial<PdfLimits>;
  /** Most revisions accepted (PDF_LIMIT_EXCEEDED 'revisions' beyond). Default: limits.maxXrefSections. */
  maxRevisions?: number;
}

const EOF = Buffer.from('%%EOF');
const STARTXREF = Buffer.from('startxref');

export const isLimitError = (e: unknown): e is AppError => e instanceof AppError && e.code === 'PDF_LIMIT_EXCEEDED';

/** A stable identity for an object version: equal keys ⇒ the same bytes. */
export function entryKey(e: XrefEntry | undefined): string {
  if (!e || e.kind === 'free') return 'free';
  return e.kind === 'offset' ? `n${e.offset}` : `c${e.stream}.${e.index}`;
}

function eolEnd(buf: Buffer, p: number): number {
  if (buf[p] === 0x0d) p++;
  if (buf[p] === 0x0a) p++;
  return p;
}

export class PdfRevisions {
  readonly revisions: RevisionRecord[] = [];
  /** What was tolerated while reading (diagnostics only). */
  readonly warnings: string[] = [];
  /** Every recovery, with where it happened (never silent: the validator reports each). */
  readonly recoveries: ReadRecovery[] = [];
  /** True when the xref chain was unusable and the object table comes from a scan. */
  recovered = false;
  readonly limits: PdfLimits;
  readonly maxRevisions: number;
  private readonly objCache = new Map<string, PdfObject>();
  private readonly objStmCache = new Map<number, { header: ObjectStreamHeader; data: Buffer; first: number }>();
  private scanIndex: Map<number, XrefEntry> | undefined;
  private objectCount = 0;

  private constructor(
    readonly buf: Buffer,
    options: RevisionReaderOptions,
  ) {
    this.limits = resolveLimits(options.limits);
    this.maxRevisions = options.maxRevisions ?? this.limits.maxXrefSections;
    const header = buf.subarray(0, 65536).indexOf('%PDF-') >= 0;
    if (buf.length < 8 || (!header && buf.lastIndexOf(STARTXREF) < 0))
      throw new AppError('PDF_NOT_PDF', 'not a PDF: no %PDF- header and no startxref');
    if (!header) this.warnings.push('no %PDF- header');
    try {
      this.readChain();
    } catch (e) {
      if (isLimitError(e)) throw e;
      this.warnings.push(`xref chain unreadable (${(e as Error).message}); objects recovered by scanning`);
      this.recoveries.push({ kind: 'xref-chain', offset: this.lastStartxref() });
      this.recover();
    }
  }

  static open(bytes: Buffer, options: RevisionReaderOptions = {}): PdfRevisions {
    return new PdfRevisions(bytes, options);
  }

  get last(): RevisionRecord {
    return this.revisions[this.revisions.length - 1]!;
  }

  /** The value after the last `startxref` keyword (-1 when there is none or it is not a number). */
  private lastStartxref(): number {
    const sx = this.buf.lastIndexOf(STARTXREF);
    return sx < 0 ? -1 : (new Parser(this.buf, sx + STARTXREF.length).integer() ?? -1);
  }

  private readChain(): void {
    const sx = this.buf.lastIndexOf(STARTXREF);
    if (sx < 0) throw malformed('no startxref');
    const start = new Parser(this.buf, sx + STARTXREF.length).integer();
    if (start === undefined) throw malformed('startxref is not an integer', { offset: sx });
    const chain: RevisionSection[] = [];
    const seen = new Set<number>();
    let off: number | undefined = start;
    while (off !== undefined) {
      checkDeadline(this.limits);
      if (seen.has(off)) throw malformed('loop in the /Prev chain', { offset: off });
      if (off < 0 || off >= this.buf.length) throw malformed('xref offset outside the file', { offset: off });
      seen.add(off);
      if (chain.length >= this.maxRevisions * 2) throw limitExceeded('revisions', `more than ${this.maxRevisions} revisions`);
      let sec: RevisionSection;
      try {
        sec = this.readSection(off);
      } catch (e) {
        if (isLimitError(e) || chain.length === 0) throw e;
        this.warnings.push(`broken /Prev chain at ${off}: revisions rebuilt from startxref markers`);
        this.recoveries.push({ kind: 'prev', offset: off });
        this.readByMarkers();
        return;
      }
      chain.push(sec);
      off = sec.prev;
    }
    // newest first; a linearized file's first-page section has its /Prev *after* itself (Annex F)
    const groups: RevisionSection[][] = [];
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i]!;
      const g = groups[groups.length - 1];
      if (g && g[0] && s.prev !== undefined && s.prev > s.offset && g.includes(chain[i + 1]!)) {
        g.unshift(s);
        continue;
      }
      groups.push([s]);
    }
    if (groups.length > this.maxRevisions) throw limitExceeded('revisions', `more than ${this.maxRevisions} revisions`);
    groups.forEach((sections, index) => {
      // %%EOF is searched only after the trailer itself, so a "%%EOF" inside a trailer string
      // cannot cut a revision short
      const maxOff = Math.max(...sections.map((s) => s.end));
      const eofAt = this.buf.indexOf(EOF, maxOff);
      const end = eofAt < 0 ? this.buf.length : eolEnd(this.buf, eofAt + EOF.length);
      const sxAt = eofAt < 0 ? -1 : this.buf.lastIndexOf(STARTXREF, eofAt);
      const sxv = sxAt >= 0 ? new Parser(this.buf, sxAt + STARTXREF.length).integer() : undefined;
      this.revisions.push({ index, sections, end, eofAt, startxref: sxv, trailer: sections[0]!.trailer });
    });
    for (let i = 1; i < this.revisions.length; i++) {
      if (this.revisions[i]!.end <= this.revisions[i - 1]!.end) this.warnings.push(`revision ${i} does not end after revision ${i - 1}`);
    }
  }

  /** Every `startxref N … %%EOF` pair in file order gives one revision (used when /Prev is broken). */
  private readByMarkers(): void {
    const seen = new Set<number>();
    let p = 0;
    for (;;) {
      checkDeadline(this.limits);
      const sx = this.buf.indexOf(STARTXREF, p);
      if (sx < 0) break;
      p = sx + STARTXREF.length;
      const off = new Parser(this.buf, p).integer();
      const eofAt = this.buf.indexOf(EOF, p);
      if (off === undefined || seen.has(off) || eofAt < 0) continue;
      seen.add(off);
      let sec: RevisionSection;
      try {
        sec = this.readSection(off);
      } catch (e) {
        if (isLimitError(e)) throw e;
        continue;
      }
      if (this.revisions.length >= this.maxRevisions) throw limitExceeded('revisions', `more than ${this.maxRevisions} revisions`);
      this.revisions.push({
        index: this.revisions.length,
        sections: [sec],
        end: eolEnd(this.buf, eofAt + EOF.length),
        eofAt,
        startxref: off,
        trailer: sec.trailer,
      });
    }
    if (this.revisions.length === 0) throw malformed('no readable xref section');
  }

  private readSection(off: number): RevisionSection {
    const s = parseXrefSection(this.buf, off, this.limits, (r) => this.scanLength(r, off));
    let entries = s.entries;
    if (s.hybrid) {
      entries = new Map(s.entries);
      for (const [n, e] of s.hybrid.entries) {
        const cur = entries.get(n);
        if (!cur || cur.kind === 'free') entries.set(n, e);
      }
    }
    if ((this.objectCount += entries.size) > this.limits.maxObjects)
      throw limitExceeded('objects', `more than ${this.limits.maxObjects} objects`);
    const prev = s.trailer.get('Prev');
    return {
      offset: off,
      kind: s.kind,
      entries,
      trailer: s.trailer,
      prev: typeof prev === 'number' && Number.isInteger(prev) ? prev : undefined,
      hybrid: !!s.hybrid,
      xrefStreams: [s.streamNum, s.hybrid?.streamNum].filter((n): n is number => n !== undefined),
      end: s.end,
    };
  }

  /** The object table rebuilt by repair.ts's scan, as a single revision (objects in object streams too). */
  private recover(): void {
    this.recovered = true;
    const scan = scanObjects(this.buf, this.limits);
    this.scanIndex = scan.entries;
    const entries = new Map(scan.entries);
    const eofAt = this.buf.lastIndexOf(EOF);
    this.revisions.length = 0;
    this.revisions.push({
      index: 0,
      sections: [
        { offset: -1, kind: 'recovered', entries, trailer: scan.trailer, prev: undefined, hybrid: false, xrefStreams: [], end: 0 },
      ],
      end: eofAt < 0 ? this.buf.length : eolEnd(this.buf, eofAt + EOF.length),
      eofAt,
      startxref: undefined,
      trailer: scan.trailer,
    });
    for (const sn of scan.objectStreams) {
      try {
        const os = this.objectStream(sn);
        os?.header.pairs.forEach((x, index) => {
          if (!entries.has(x.num)) entries.set(x.num, { kind: 'compressed', stream: sn, index });
        });
      } catch (e) {
        if (isLimitError(e)) throw e; // an unreadable object stream is skipped
      }
    }
  }

  private scanEntries(): Map<number, XrefEntry> {
    return (this.scanIndex ??= scanObjectHeaders(this.buf, this.limits).entries);
  }

  /** An indirect stream /Length while the chain is read: only the scan can find it. */
  private scanLength(r: PdfRef, streamAt: number): number | undefined {
    const e = this.scanEntries().get(r.num);
    if (!e || e.kind !== 'offset' || e.offset === streamAt) return undefined;
    const v = this.loadEntry(r.num, e);
    return typeof v === 'number' ? v : undefined;
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

  /** Resolves a reference in revision `rev` (default: the final one). Unknown objects are null (§7.3.10). */
  resolve(v: PdfObject | undefined, rev = this.revisions.length - 1): PdfObject | undefined {
    let cur = v;
    for (let hops = 0; cur instanceof PdfRef; hops++) {
      if (hops > 32) return null;
      cur = this.object(cur.num, rev);
    }
    return cur;
  }

  /** Object `num` as it was in revision `rev`; malformed objects read as null, limits throw. */
  object(num: number, rev = this.revisions.length - 1): PdfObject {
    const e = this.entryAt(num, rev);
    if (!e || e.kind === 'free') return null;
    try {
      return this.loadEntry(num, e);
    } catch (err) {
      if (isLimitError(err)) throw err;
      return null;
    }
  }

  /** The object an xref entry designates (cached per entry: one parse per object version). */
  loadEntry(num: number, e: XrefEntry): PdfObject {
    const key = entryKey(e);
    const hit = this.objCache.get(key);
    if (hit !== undefined) return hit;
    checkDeadline(this.limits);
    let v: PdfObject;
    if (e.kind === 'offset') {
      let got: { num: number; value: PdfObject } | undefined;
      try {
        got = this.parseIndirectAt(e.offset);
      } catch (err) {
        if (isLimitError(err)) throw err;
      }
      if (!got || got.num !== num) {
        const s = this.scanEntries().get(num);
        if (!s || s.kind !== 'offset') return null;
        this.warnings.push(`object ${num} not at its xref offset; recovered by scanning`);
        this.recoveries.push({ kind: 'object-offset', offset: e.offset, object: num });
        got = this.parseIndirectAt(s.offset);
      }
      v = got.value;
    } else if (e.kind === 'compressed') {
      v = this.fromObjStm(num, e.stream, e.index);
    } else v = null;
    this.objCache.set(key, v);
    return v;
  }

  /** §7.5.7 object stream header: N pairs (object number, offset relative to /First). */
  private objectStream(stream: number): { header: ObjectStreamHeader; data: Buffer; first: number } | undefined {
    let os = this.objStmCache.get(stream);
    if (os) return os;
    const e = this.entryAt(stream, this.revisions.length - 1);
    if (!e || e.kind !== 'offset') return undefined;
    const st = this.loadEntry(stream, e);
    if (!(st instanceof PdfStream)) return undefined;
    const data = this.streamData(st);
    const header = parseObjectStreamHeader(data, st.dict.getNumber('N') ?? 0, this.limits);
    os = { header, data, first: st.dict.getNumber('First') ?? 0 };
    this.objStmCache.set(stream, os);
    for (const num of header.duplicates) this.recoveries.push({ kind: 'objstm-duplicate', offset: e.offset, object: num });
    return os;
  }

  private fromObjStm(num: number, stream: number, index: number): PdfObject {
    const os = this.objectStream(stream);
    const rel = os && compressedObjectOffset(os.header, num, index);
    if (!os || rel === undefined) return null;
    return new Parser(os.data, os.first + rel, this.limits.maxDepth, os.data.length, this.limits.deadline).parseObject();
  }

  /**
   * Object streams named by compressed entries of revisions `from`..last, read so that any
   * duplicate object number among them is in `recoveries` (a FORMAT_FAILURE for the validator).
   */
  checkObjectStreams(from: number): void {
    const streams = new Set<number>();
    for (let r = Math.max(0, from); r < this.revisions.length; r++)
      for (const s of this.revisions[r]!.sections) for (const e of s.entries.values()) if (e.kind === 'compressed') streams.add(e.stream);
    for (const sn of streams) {
      try {
        this.objectStream(sn);
      } catch (err) {
        if (isLimitError(err)) throw err;
      }
    }
  }

  /** Decoded data of a stream (§7.4 filters, bounded by the limits). */
  streamData(st: PdfStream): Buffer {
    return decodeStreamData(st, this.limits, (v) => this.resolve(v));
  }

  /** Parses `N G obj … endobj` at an offset (a stream's indirect /Length is read from the final revision). */
  parseIndirectAt(off: number): IndirectObject {
    if (off < 0 || off >= this.buf.length) throw malformed('object offset outside the file', { offset: off });
    const p = new Parser(this.buf, off, this.limits.maxDepth, this.buf.length, this.limits.deadline);
    return p.parseIndirect((r) => {
      const e = this.entryAt(r.num, this.revisions.length - 1) ?? this.scanEntries().get(r.num);
      if (!e || e.kind === 'free' || (e.kind === 'offset' && e.offset === off)) return undefined;
      const v = this.loadEntry(r.num, e);
      return typeof v === 'number' ? v : undefined;
    });
  }

  /** All object numbers in use in revision `rev`. */
  objectNumbers(rev: number): Set<number> {
    const out = new Set<number>();
    for (let r = 0; r <= rev; r++)
      for (const s of this.revisions[r]!.sections) for (const [n, e] of s.entries) if (e.kind !== 'free') out.add(n);
    return out;
  }

  /** A trailer key as of revision `rev`: the newest section that has it. */
  trailerValue(key: string, rev = this.revisions.length - 1): PdfObject | undefined {
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

/** The document as it was at a revision: its byte prefix [0, end), opened on its own (a view, no copy). */
export function openRevision(bytes: Buffer, rev: Pick<RevisionRecord, 'end'>, options: OpenOptions = {}): PdfDocument {
  return PdfDocument.open(bytes.subarray(0, rev.end), options);
}
