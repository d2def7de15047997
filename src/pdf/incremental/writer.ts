import { AppError } from '../../core/errors.js';
import { identifierBytes } from '../../core/ids.js';
import type { PdfDocument } from '../syntax/document.js';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfObject } from '../syntax/objects.js';
import { serializeIndirectPieces, serializeText } from './serialize.js';
import { mapStrings, streamIsEncrypted } from '../syntax/security.js';

/** Result of building one incremental update (ISO 32000-1 §7.5.6). */
export interface IncrementalUpdate {
  /** The appended bytes: output = original ‖ tail. */
  tail: Buffer;
  /** original ‖ tail in one buffer (`tail` is then its end), when asked for with `joined`. */
  file?: Buffer;
  /** Absolute offset of tail[0] (= original length). */
  base: number;
  /** Absolute byte range of every object written in this update. */
  objects: Map<number, { start: number; end: number }>;
  /** Offset named by the new `startxref`. */
  startxref: number;
  /** Kind of xref section written. */
  xrefKind: 'table' | 'stream';
}

export interface WriteOptions {
  /** Second /ID element (§14.4); 16 random bytes by default. The first element is kept. */
  id?: Buffer;
  /**
   * Also write the original bytes, into one buffer with the update (`file`): a caller that hands
   * out the whole file copies each byte once, here, instead of joining original and tail later.
   */
  joined?: boolean;
}

/**
 * Append-only writer. Collects new and changed objects and emits them after the original bytes,
 * followed by an xref section of the same kind as the document's last one (a table for hybrid
 * files), and a trailer with /Size, /Root, /Info, /Prev and /ID. Existing bytes are never touched.
 *
 * When the document had to be repaired (its xref could not be followed) the section written
 * is complete — every object found by the scan plus the new ones, without /Prev — so the result
 * is a readable file again while the original bytes stay as they were.
 */
export class IncrementalWriter {
  private readonly changes = new Map<number, { ref: PdfRef; value: PdfObject }>();
  private next: number;

  constructor(readonly doc: PdfDocument) {
    // Never reuse a number the trailer points at, even a dangling one (seen: LibreOffice's
    // /AdditionalStreams referring to an object beyond /Size).
    let next = doc.size;
    const visit = (o: PdfObject | undefined, depth: number): void => {
      if (o instanceof PdfRef) next = Math.max(next, o.num + 1);
      else if (Array.isArray(o) && depth < 4) for (const x of o) visit(x, depth + 1);
      else if (o instanceof PdfDict && depth < 4) for (const x of o.map.values()) visit(x, depth + 1);
    };
    for (const s of doc.sections) visit(s.trailer, 0);
    visit(doc.trailer, 0);
    this.next = next;
  }

  /** A fresh object number (generation 0). */
  allocate(): PdfRef {
    return new PdfRef(this.next++, 0);
  }

  /** Adds a new object or a new version of an existing one (same number and generation). */
  set(ref: PdfRef, value: PdfObject): void {
    this.changes.set(ref.num, { ref, value });
    if (ref.num >= this.next) this.next = ref.num + 1;
  }

  has(num: number): boolean {
    return this.changes.has(num);
  }

  /** The pending value for an object, if this update changes it. */
  pending(num: number): PdfObject | undefined {
    return this.changes.get(num)?.value;
  }

  build(options: WriteOptions = {}): IncrementalUpdate {
    const doc = this.doc;
    if (doc.trailer.has('Encrypt') && !doc.security)
      throw new AppError('PDF_ENCRYPTED', 'cannot update an encrypted PDF without its security handler (password)');
    const original = doc.bytes;
    const base = original.length;
    // The update's pieces: latin1 text (one character per byte) and buffers (stream data, the
    // placeholder), written once into the output at the end: no buffer per piece, no joining.
    const pieces: Array<string | Buffer> = [];
    let pos = base;
    const push = (p: string | Buffer): void => {
      pieces.push(p);
      pos += p.length;
    };
    const last = original[base - 1];
    if (last !== 0x0a && last !== 0x0d) push('\n');
    const objects = new Map<number, { start: number; end: number }>();
    const xref = new Map<number, { offset: number; gen: number } | { stream: number; index: number } | null>();
    const complete = doc.sections.length === 0; // repaired: write a full section
    if (complete) {
      xref.set(0, null);
      for (const [n, e] of doc.entries) {
        if (e.kind === 'offset') xref.set(n, { offset: e.offset, gen: e.gen });
        else if (e.kind === 'compressed') xref.set(n, { stream: e.stream, index: e.index });
      }
    }
    const sec = doc.security;
    const pushIndirect = (ref: PdfRef, v: PdfObject): void => {
      const from = pieces.length;
      serializeIndirectPieces(ref, v, pieces);
      for (let i = from; i < pieces.length; i++) pos += pieces[i]!.length;
    };
    for (const { ref, value } of [...this.changes.values()].sort((a, b) => a.ref.num - b.ref.num)) {
      const start = pos;
      let v = value;
      if (sec) {
        // §7.6.2: the update is encrypted like the rest of the file (PdfRaw placeholders stay clear)
        v = mapStrings(v, (b) => sec.encryptString(b, ref.num, ref.gen));
        if (v instanceof PdfStream && streamIsEncrypted(v)) v = new PdfStream(v.dict, sec.encryptStream(v.raw, ref.num, ref.gen));
      }
      pushIndirect(ref, v);
      objects.set(ref.num, { start, end: pos });
      xref.set(ref.num, { offset: start, gen: ref.gen });
    }
    const hasCompressed = [...xref.values()].some((e) => e !== null && 'stream' in e);
    const xrefKind: 'table' | 'stream' = complete ? (hasCompressed ? 'stream' : 'table') : doc.lastSectionKind;

    const trailer = new PdfDict();
    const root = doc.trailer.get('Root');
    const info = doc.trailer.get('Info');
    const oldId = doc.trailer.get('ID');
    const newId = new PdfString(options.id ?? identifierBytes(16), true);
    const firstId = Array.isArray(oldId) && oldId[0] instanceof PdfString ? oldId[0] : newId;
    let xrefStreamRef: PdfRef | undefined;
    if (xrefKind === 'stream') xrefStreamRef = this.allocate();
    const size = Math.max(doc.size, this.next, ...[...xref.keys()].map((n) => n + 1));
    trailer.set('Size', size);
    if (root !== undefined) trailer.set('Root', root);
    if (info !== undefined) trailer.set('Info', info);
    const encrypt = doc.trailer.get('Encrypt');
    if (encrypt !== undefined) trailer.set('Encrypt', encrypt);
    if (!complete && doc.startxref !== undefined) trailer.set('Prev', doc.startxref);
    trailer.set('ID', [firstId, newId]);

    const startxref = pos;
    if (xrefKind === 'table') {
      // a trailer is a plain dictionary (§7.5.5)
      push(`${tableSection([...xref.entries()])}trailer\n${serializeText(trailer)}\nstartxref\n${startxref}\n%%EOF\n`);
    } else {
      xref.set(xrefStreamRef!.num, { offset: startxref, gen: 0 });
      const stream = xrefStream([...xref.entries()], trailer, Math.max(size, xrefStreamRef!.num + 1));
      pushIndirect(xrefStreamRef!, stream);
      objects.set(xrefStreamRef!.num, { start: startxref, end: pos });
      push(`startxref\n${startxref}\n%%EOF\n`);
    }
    const out = Buffer.allocUnsafe(options.joined ? pos : pos - base);
    let at = options.joined ? original.copy(out, 0) : 0;
    for (const p of pieces) {
      const n = typeof p === 'string' ? out.write(p, at, 'latin1') : p.copy(out, at);
      if (n !== p.length) throw new Error('internal: an update piece is not latin1');
      at += n;
    }
    if (!options.joined) return { tail: out, base, objects, startxref, xrefKind };
    return { tail: out.subarray(base), file: out, base, objects, startxref, xrefKind };
  }
}

type Entry = [number, { offset: number; gen: number } | { stream: number; index: number } | null];

function runs(entries: Entry[]): Entry[][] {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const out: Entry[][] = [];
  for (const e of sorted) {
    const cur = out[out.length - 1];
    if (cur && cur[cur.length - 1]![0] + 1 === e[0]) cur.push(e);
    else out.push([e]);
  }
  return out;
}

/** §7.5.4: fixed 20-byte entries `nnnnnnnnnn ggggg n\r\n` in subsections of consecutive numbers. */
function tableSection(entries: Entry[]): string {
  let s = 'xref\n';
  for (const run of runs(entries)) {
    s += `${run[0]![0]} ${run.length}\n`;
    for (const [, e] of run) {
      if (e && 'offset' in e) s += `${String(e.offset).padStart(10, '0')} ${String(e.gen).padStart(5, '0')} n\r\n`;
      else s += '0000000000 65535 f\r\n';
    }
  }
  return s;
}

/** §7.5.8: an uncompressed xref stream with /W [1 4 2] (wider offsets when the file needs them). */
function xrefStream(entries: Entry[], trailer: PdfDict, size: number): PdfStream {
  const maxField = Math.max(0, ...entries.map(([, e]) => (e === null ? 0 : 'offset' in e ? e.offset : e.stream)));
  const w1 = maxField < 2 ** 32 ? 4 : 6;
  const rec = 1 + w1 + 2;
  const rs = runs(entries);
  const data = Buffer.alloc(entries.length * rec);
  let p = 0;
  const index: number[] = [];
  for (const run of rs) {
    index.push(run[0]![0], run.length);
    for (const [, e] of run) {
      const [t, f2, f3] = e === null ? [0, 0, 65535] : 'offset' in e ? [1, e.offset, e.gen] : [2, e.stream, e.index];
      data[p] = t;
      data.writeUIntBE(f2, p + 1, w1);
      data.writeUInt16BE(Math.min(f3, 65535), p + 1 + w1);
      p += rec;
    }
  }
  const d = new PdfDict([
    ['Type', PdfName.of('XRef')],
    ['W', [1, w1, 2]],
    ['Index', index],
  ]);
  for (const [k, v] of trailer.map) d.set(k, v);
  d.set('Size', size);
  return new PdfStream(d, data);
}

/** Convenience: builds the update and returns original ‖ tail as one buffer. */
export function appendIncrementalUpdate(
  doc: PdfDocument,
  objects: Array<{ ref: PdfRef; value: PdfObject }>,
  options: WriteOptions = {},
): Buffer {
  const w = new IncrementalWriter(doc);
  for (const o of objects) w.set(o.ref, o.value);
  const u = w.build(options);
  return Buffer.concat([doc.bytes, u.tail]);
}
