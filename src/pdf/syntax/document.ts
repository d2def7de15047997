import { AppError } from '../../core/errors.js';
import { decodeStreamData } from './filters.js';
import { checkFileSize, limitExceeded, resolveLimits, type PdfLimits } from './limits.js';
import { PdfDict, PdfRef, PdfStream, PdfString, type PdfObject } from './objects.js';
import { Parser, malformed } from './parser.js';
import { compressedObjectOffset, parseObjectStreamHeader, type ObjectStreamHeader } from './object-stream.js';
import { scanObjectHeaders, scanObjects } from './repair.js';
import { findStartxref, parseXrefSection, type XrefEntry, type XrefSection } from './xref.js';
import { mapStrings, streamIsEncrypted, type SecurityHandler, type SecurityHandlerFactory } from './security.js';

export interface OpenOptions {
  limits?: Partial<PdfLimits>;
  /** Read the structure of an encrypted file (strings and streams stay encrypted). Default false → PDF_ENCRYPTED. */
  allowEncrypted?: boolean;
  /** Rebuild the object table by scanning when the xref is broken. Default true. */
  repair?: boolean;
  /** Security handler for an encrypted file (§7.6); without one an encrypted file is PDF_ENCRYPTED. */
  security?: SecurityHandlerFactory;
}

/**
 * A lazily read PDF document. Opening reads only the file's tail: `startxref`, the xref sections
 * along the `/Prev` chain (ISO 32000-1 §7.5.5, §7.5.6, §7.5.8) and the trailer. Objects are parsed
 * on first use and cached, so the cost of a task grows with the objects it touches, never with
 * the page count. `bytes` is never modified.
 */
export class PdfDocument {
  readonly limits: PdfLimits;
  /** Newest first; empty after a repair. */
  readonly sections: XrefSection[] = [];
  /** Merged trailer: for each key the newest section that has it. */
  readonly trailer: PdfDict;
  /** Offset given by the final `startxref` (undefined only when repaired without one). */
  readonly startxref: number | undefined;
  /** Set when the normal xref path failed and the object table was rebuilt by scanning. */
  repaired: string | undefined;
  private xref = new Map<number, XrefEntry>();
  private cache = new Map<number, PdfObject>();
  private resolving = new Set<number>();
  private objStmCache = new Map<number, { data: Buffer; first: number; order: number[]; header: ObjectStreamHeader }>();
  private scanned: Map<number, XrefEntry> | undefined;
  /** The handler decrypting strings and streams, when the file is encrypted and a handler was given. */
  security: SecurityHandler | undefined;
  private encryptNum = -1;
  private readonly streamKeys = new WeakMap<PdfStream, { num: number; gen: number }>();

  private constructor(
    readonly bytes: Buffer,
    options: OpenOptions,
  ) {
    this.limits = resolveLimits(options.limits);
    checkFileSize(bytes, this.limits);
    checkHeader(bytes);
    let startxref: number | undefined;
    let trailer: PdfDict;
    try {
      startxref = findStartxref(bytes).startxref;
      trailer = this.readChain(startxref);
      const root = this.resolve(trailer.get('Root'));
      if (!(root instanceof PdfDict)) throw malformed('trailer /Root is not a dictionary');
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'PDF_MALFORMED' || options.repair === false) throw e;
      trailer = this.rebuild(e.message);
      startxref = undefined;
    }
    this.trailer = trailer;
    this.startxref = startxref;
    if (trailer.has('Encrypt')) {
      if (options.security) {
        const er = trailer.get('Encrypt');
        if (er instanceof PdfRef) this.encryptNum = er.num;
        const enc = this.resolve(er);
        const id = this.resolve(trailer.get('ID'));
        const first = Array.isArray(id) && id[0] instanceof PdfString ? id[0].bytes : Buffer.alloc(0);
        if (!(enc instanceof PdfDict)) throw malformed('/Encrypt is not a dictionary');
        this.security = options.security(enc, first);
        // objects read so far were read in the clear: read them again through the handler
        const keep = this.cache.get(this.encryptNum);
        this.cache.clear();
        this.objStmCache.clear();
        if (keep !== undefined) this.cache.set(this.encryptNum, keep);
      } else if (!options.allowEncrypted) throw new AppError('PDF_ENCRYPTED', 'the PDF is encrypted; a password is needed');
    }
  }

  static open(bytes: Buffer | Uint8Array, options: OpenOptions = {}): PdfDocument {
    const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new PdfDocument(b, options);
  }

  private readChain(startxref: number): PdfDict {
    const seen = new Set<number>();
    const trailer = new PdfDict();
    let offset: number | undefined = startxref;
    while (offset !== undefined) {
      if (seen.has(offset)) throw malformed('xref /Prev chain loops', { offset });
      if (seen.size >= this.limits.maxXrefSections) throw limitExceeded('revisions', 'too many xref sections');
      seen.add(offset);
      const s = parseXrefSection(this.bytes, offset, this.limits, (r) => this.lengthOf(r));
      this.sections.push(s);
      // §7.5.8.4: in a hybrid section, the table comes first, then /XRefStm, then /Prev
      const add = (m: Map<number, XrefEntry>, freeToo: boolean): void => {
        for (const [n, e] of m) if (!this.xref.has(n) && (freeToo || e.kind !== 'free')) this.xref.set(n, e);
      };
      // A file of one plain section (no /Prev, not hybrid) uses that section's table as is: nothing
      // is added to it later, and copying thousands of entries would cost as much as reading them.
      if (this.xref.size === 0 && !s.hybrid && s.trailer.get('Prev') === undefined) this.xref = s.entries;
      else add(s.entries, !s.hybrid);
      if (s.hybrid) {
        add(s.hybrid.entries, true);
        add(s.entries, true);
      }
      for (const [k, v] of s.trailer.map)
        if (!trailer.has(k) && !['Prev', 'XRefStm', 'W', 'Index', 'Length', 'Filter', 'DecodeParms', 'Type'].includes(k)) trailer.set(k, v);
      const prev = s.trailer.get('Prev');
      // `/Prev 0` points at the header: the chain is broken, and the repair path rebuilds it
      offset = typeof prev === 'number' ? prev : undefined;
    }
    if (!trailer.has('Root')) throw malformed('trailer has no /Root');
    return trailer;
  }

  private rebuild(reason: string): PdfDict {
    const scan = scanObjects(this.bytes, this.limits);
    this.sections.length = 0;
    this.xref = new Map(scan.entries);
    this.cache.clear();
    this.objStmCache.clear();
    // objects inside object streams found by the scan, unless defined directly
    for (const sn of scan.objectStreams) {
      try {
        const os = this.objectStream(sn);
        os.order.forEach((num, index) => {
          if (!this.xref.has(num)) this.xref.set(num, { kind: 'compressed', stream: sn, index });
        });
      } catch {
        /* unreadable object stream: skip */
      }
    }
    this.repaired = reason;
    if (!scan.trailer.has('Root')) throw malformed(`cannot repair: no catalog found (${reason})`);
    const root = this.resolve(scan.trailer.get('Root'));
    if (!(root instanceof PdfDict)) throw malformed(`cannot repair: catalog unreadable (${reason})`);
    return scan.trailer;
  }

  /** How many objects have been parsed so far (laziness is observable, and tested). */
  get loadedObjects(): number {
    return this.cache.size;
  }

  /** The merged cross-reference table (object number → entry). */
  get entries(): ReadonlyMap<number, XrefEntry> {
    return this.xref;
  }

  /** One more than the highest object number in use (max of trailer /Size and the table). */
  get size(): number {
    return (this.sizeCache ??= this.computeSize());
  }

  private sizeCache: number | undefined;

  private computeSize(): number {
    let max = this.trailer.getNumber('Size') ?? 0;
    for (const s of this.sections) max = Math.max(max, s.trailer.getNumber('Size') ?? 0, (s.streamNum ?? -1) + 1);
    for (const n of this.xref.keys()) if (n >= max) max = n + 1;
    return max;
  }

  /** Kind of the section `startxref` points at: what an incremental update must append (hybrid → table). */
  get lastSectionKind(): 'table' | 'stream' {
    return this.sections[0]?.kind ?? 'table';
  }

  get catalogRef(): PdfRef | undefined {
    const r = this.trailer.get('Root');
    return r instanceof PdfRef ? r : undefined;
  }

  get catalog(): PdfDict {
    const c = this.resolve(this.trailer.get('Root'));
    if (!(c instanceof PdfDict)) throw malformed('catalog is not a dictionary');
    return c;
  }

  /** Dereferences `o` when it is a reference (missing objects are null, §7.3.10); other values pass through. */
  resolve(o: PdfObject | undefined): PdfObject | undefined {
    if (!(o instanceof PdfRef)) return o;
    return this.getObject(o.num);
  }

  /** `dict[key]` dereferenced. */
  get(d: PdfDict | undefined, key: string): PdfObject | undefined {
    return d ? this.resolve(d.get(key)) : undefined;
  }

  getDict(d: PdfDict | undefined, key: string): PdfDict | undefined {
    const v = this.get(d, key);
    return v instanceof PdfDict ? v : v instanceof PdfStream ? v.dict : undefined;
  }

  getObject(num: number): PdfObject {
    if (this.cache.has(num)) return this.cache.get(num)!;
    if (this.resolving.has(num)) throw malformed(`reference loop through object ${num}`, { object: num });
    this.resolving.add(num);
    try {
      const v = this.load(num);
      this.cache.set(num, v);
      return v;
    } finally {
      this.resolving.delete(num);
    }
  }

  private load(num: number): PdfObject {
    const e = this.xref.get(num);
    if (!e || e.kind === 'free') return null;
    if (e.kind === 'compressed') return this.loadCompressed(num, e.stream, e.index);
    try {
      return this.decrypted(this.parseAt(e.offset, num).value, num, e.gen);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'PDF_MALFORMED') throw err;
      // bad offset: fall back to a scan of the file for this object, and say so
      const s = (this.scanned ??= scanObjectHeaders(this.bytes, this.limits).entries).get(num);
      if (!s || s.kind !== 'offset' || s.offset === e.offset) throw err;
      this.repaired ??= `object ${num} found by scanning (${err.message})`;
      return this.decrypted(this.parseAt(s.offset, num).value, num, s.gen);
    }
  }

  /** §7.6.2: strings and stream data of an indirect object are encrypted with its number and generation. */
  private decrypted(v: PdfObject, num: number, gen: number): PdfObject {
    const sec = this.security;
    if (!sec || num === this.encryptNum) return v;
    const out = mapStrings(v, (b) => sec.decryptString(b, num, gen));
    if (out instanceof PdfStream && streamIsEncrypted(out)) this.streamKeys.set(out, { num, gen });
    return out;
  }

  private parseAt(offset: number, num: number): { value: PdfObject; end: number } {
    if (offset < 0 || offset >= this.bytes.length) throw malformed(`object ${num} offset outside the file`, { object: num, offset });
    const p = new Parser(this.bytes, offset, this.limits.maxDepth, this.bytes.length, this.limits.deadline);
    const o = p.parseIndirect((r) => this.lengthOf(r));
    if (o.num !== num) throw malformed(`xref points object ${num} at object ${o.num}`, { object: num, offset });
    return o;
  }

  private lengthOf(r: PdfRef): number | undefined {
    const v = this.getObject(r.num);
    return typeof v === 'number' ? v : undefined;
  }

  /** §7.5.7 object stream: N pairs (object number, offset relative to /First), then the objects. */
  private objectStream(sn: number) {
    let os = this.objStmCache.get(sn);
    if (os) return os;
    const s = this.getObject(sn);
    if (!(s instanceof PdfStream) || s.dict.getName('Type') !== 'ObjStm') throw malformed(`object ${sn} is not an object stream`);
    const n = s.dict.getNumber('N') ?? 0;
    const first = s.dict.getNumber('First') ?? 0;
    const data = this.streamData(s);
    const header = parseObjectStreamHeader(data, n, this.limits);
    os = { data, first, order: header.pairs.map((x) => x.num), header };
    this.objStmCache.set(sn, os);
    return os;
  }

  private loadCompressed(num: number, sn: number, index: number): PdfObject {
    const os = this.objectStream(sn);
    const rel = compressedObjectOffset(os.header, num, index);
    if (rel === undefined) return null;
    const at = os.first + rel;
    return new Parser(os.data, at, this.limits.maxDepth, os.data.length, this.limits.deadline).parseObject();
  }

  /** Decoded data of a stream (filters of §7.4 with the configured size/ratio limits). */
  streamData(s: PdfStream): Buffer {
    const key = this.security && this.streamKeys.get(s);
    if (key) s = new PdfStream(s.dict, this.security!.decryptStream(s.raw, key.num, key.gen), s.dataOffset);
    return decodeStreamData(s, this.limits, (o) => this.resolve(o));
  }

  /**
   * Where object `num` is stored: for objects written directly, the byte range of `N G obj …
   * endobj` in the file; for compressed objects, the object stream and index.
   */
  objectLocation(
    num: number,
  ): { kind: 'offset'; start: number; end: number; gen: number } | { kind: 'compressed'; stream: number; index: number } | undefined {
    const e = this.xref.get(num);
    if (!e || e.kind === 'free') return undefined;
    if (e.kind === 'compressed') return e;
    const { end } = this.parseAt(e.offset, num);
    return { kind: 'offset', start: e.offset, end, gen: e.gen };
  }
}

/** §7.5.2: `%PDF-` must start the file (we allow up to 1 KiB of junk before it, as readers do). */
function checkHeader(bytes: Buffer): void {
  const at = bytes.subarray(0, 1024 + 8).indexOf('%PDF-');
  if (at < 0 || !/^%PDF-\d\.\d/.test(bytes.toString('latin1', at, at + 8)))
    throw new AppError('PDF_NOT_PDF', 'not a PDF file (no valid %PDF-n.m header)');
}
