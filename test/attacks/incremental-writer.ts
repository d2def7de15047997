/**
 * A small incremental-update writer for attack tests (ISO 32000-1 §7.5.6): appends objects with
 * a classic xref table or a cross-reference stream (§7.5.8) and lets a test break exactly the
 * piece it attacks (the /Root, the /Prev, the startxref, which objects the xref lists, an object
 * stream's header).
 */
import { openForVerification } from '../../src/pdf/verify/reader.js';
import { Budget, DEFAULT_LIMITS } from '../../src/pdf/verify/limits.js';
import type { PdfRevisions } from '../../src/pdf/syntax/revision-reader.js';

export function readPdf(pdf: Buffer): PdfRevisions {
  return openForVerification(pdf, DEFAULT_LIMITS, new Budget(DEFAULT_LIMITS));
}

export interface UpdateOptions {
  /** Objects written and listed in the xref: number → body (without "n 0 obj"). */
  objects?: Record<number, string>;
  /** Objects written but listed in no xref (incremental saving attack). */
  unlisted?: Record<number, string>;
  /** Trailer /Root (default: the current one). */
  root?: number;
  /** Trailer /Prev (default: the current last section). */
  prev?: number;
  /** Value written after startxref (default: this update's xref). */
  startxref?: number;
  /** Xref entries written at the given offsets whatever is there (a wrong offset). */
  listedAt?: Record<number, number>;
  /** Extra trailer entries, e.g. "/Info 9 0 R". */
  trailerExtra?: string;
}

interface Layout {
  body: string;
  offsets: [number, number][];
  base: number;
}

function writeObjects(pdf: Buffer, o: UpdateOptions): Layout {
  const l: Layout = { body: pdf[pdf.length - 1] === 0x0a ? '' : '\n', offsets: [], base: pdf.length };
  const put = (n: string, text: string, listed: boolean) => {
    const at = l.base + Buffer.byteLength(l.body, 'latin1');
    if (listed) l.offsets.push([Number(n), at]);
    l.body += `${n} 0 obj\n${text}\nendobj\n`;
  };
  for (const [n, text] of Object.entries(o.unlisted ?? {})) put(n, text, false);
  for (const [n, text] of Object.entries(o.objects ?? {})) put(n, text, true);
  return l;
}

function trailerBasics(raw: PdfRevisions, o: UpdateOptions, extraNums: number[]) {
  const rootRef = raw.trailerValue('Root') as { num: number; gen: number };
  const size = Math.max(Number(raw.trailerValue('Size') ?? 0), ...extraNums.map((n) => n + 1));
  const prev = o.prev ?? raw.last.sections[0]!.offset;
  const root = o.root !== undefined ? `${o.root} 0 R` : `${rootRef.num} ${rootRef.gen} R`;
  return { size, prev, root };
}

/** Appends one revision with a classic xref table. */
export function appendRevision(pdf: Buffer, o: UpdateOptions): Buffer {
  const raw = readPdf(pdf);
  const l = writeObjects(pdf, o);
  const nums = [...l.offsets.map(([n]) => n), ...Object.keys(o.unlisted ?? {}).map(Number)];
  const { size, prev, root } = trailerBasics(raw, o, nums);
  const xrefAt = l.base + Buffer.byteLength(l.body, 'latin1');
  let x = 'xref\n0 1\n0000000000 65535 f \n';
  for (const [n, off] of [...l.offsets, ...Object.entries(o.listedAt ?? {}).map(([k, v]) => [Number(k), v] as [number, number])])
    x += `${n} 1\n${String(off).padStart(10, '0')} 00000 n \n`;
  x += `trailer\n<< /Size ${size} /Root ${root} /Prev ${prev} ${o.trailerExtra ?? ''}>>\nstartxref\n${o.startxref ?? xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(l.body + x, 'latin1')]);
}

/** Appends bytes with no xref and no trailer at all (after the final %%EOF). */
export function appendRaw(pdf: Buffer, objects: Record<number, string>): Buffer {
  const l = writeObjects(pdf, { unlisted: objects });
  return Buffer.concat([pdf, Buffer.from(l.body, 'latin1')]);
}

export interface ObjectStreamUpdate {
  /** Object number of the new object stream. */
  stream: number;
  /** Pairs in stream order (the same number may appear twice: that is the attack). */
  members: { num: number; body: string }[];
  /** For each object number listed in the xref stream: the index its entry names. */
  indexOf: Record<number, number>;
  /** Uncompressed objects of the same update. */
  objects?: Record<number, string>;
}

/** Appends one revision whose xref is a cross-reference stream with type 2 (compressed) entries. */
export function appendObjectStreamRevision(pdf: Buffer, u: ObjectStreamUpdate): Buffer {
  const raw = readPdf(pdf);
  const l = writeObjects(pdf, { objects: u.objects ?? {} });
  let header = '';
  let data = '';
  for (const m of u.members) {
    header += `${m.num} ${data.length} `;
    data += `${m.body}\n`;
  }
  const content = header + '\n' + data;
  const streamAt = l.base + Buffer.byteLength(l.body, 'latin1');
  l.offsets.push([u.stream, streamAt]);
  l.body += `${u.stream} 0 obj\n<< /Type /ObjStm /N ${u.members.length} /First ${header.length + 1} /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`;
  const xrefNum = Math.max(
    Number(raw.trailerValue('Size') ?? 0),
    u.stream + 1,
    ...l.offsets.map(([n]) => n + 1),
    ...u.members.map((m) => m.num + 1),
  );
  const xrefAt = l.base + Buffer.byteLength(l.body, 'latin1');
  const rows: [number, Buffer][] = [];
  const row = (type: number, f2: number, f3: number) => {
    const b = Buffer.alloc(7);
    b[0] = type;
    b.writeUInt32BE(f2, 1);
    b.writeUInt16BE(f3, 5);
    return b;
  };
  for (const [n, off] of l.offsets) rows.push([n, row(1, off, 0)]);
  for (const [n, idx] of Object.entries(u.indexOf)) rows.push([Number(n), row(2, u.stream, idx)]);
  rows.push([xrefNum, row(1, xrefAt, 0)]);
  rows.sort((a, b) => a[0] - b[0]);
  const index = rows.map(([n]) => `${n} 1`).join(' ');
  const bin = Buffer.concat(rows.map(([, b]) => b));
  const { prev, root } = trailerBasics(raw, {}, []);
  const head = `${xrefNum} 0 obj\n<< /Type /XRef /Size ${xrefNum + 1} /W [1 4 2] /Index [${index}] /Root ${root} /Prev ${prev} /Length ${bin.length} >>\nstream\n`;
  const tail = `\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(l.body + head, 'latin1'), bin, Buffer.from(tail, 'latin1')]);
}
