/**
 * Byte-exact PDF writing for attack files: a one-revision file from object bodies, and an
 * incremental update (ISO 32000-1 §7.5.6) that may point xref entries at offsets already in the
 * file. pdf-lib and kyso's writer both refuse to produce such files, which is the point.
 */

/** A classic-xref PDF (ISO 32000-1 §7.5.4) whose objects are `num → body` ("<< … >>" or a stream). */
export function writePdf(objects: Record<number, string>, rootNum = 1): Buffer {
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets = new Map<number, number>();
  for (const [n, body] of Object.entries(objects)) {
    offsets.set(Number(n), Buffer.byteLength(out, 'latin1'));
    out += `${n} 0 obj\n${body}\nendobj\n`;
  }
  const size = Math.max(...offsets.keys()) + 1;
  const xrefAt = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (let n = 1; n < size; n++) {
    const at = offsets.get(n);
    out += at === undefined ? '0000000000 00000 f \n' : `${String(at).padStart(10, '0')} 00000 n \n`;
  }
  out += `trailer\n<< /Size ${size} /Root ${rootNum} 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A stream object body with an exact /Length. */
export function stream(dict: string, data: string): string {
  return `<< ${dict} /Length ${Buffer.byteLength(data, 'latin1')} >>\nstream\n${data}\nendstream`;
}

/** The offset of the last cross-reference section (the number after the final `startxref`). */
export function lastStartxref(pdf: Buffer): number {
  const tail = pdf.toString('latin1', Math.max(0, pdf.length - 64));
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!m) throw new TypeError('no startxref at the end of the file');
  return Number(m[1]);
}

/**
 * Appends one update: `objects` are written after the file (num → body); `pointers` are xref
 * entries that reuse offsets already in the file (num → offset) without writing anything there.
 * The new trailer repeats /Root and /Size and links the previous section with /Prev.
 */
export function appendRevision(
  pdf: Buffer,
  o: { objects?: Record<number, string>; pointers?: Record<number, number>; root: number; size: number },
): Buffer {
  let body = pdf[pdf.length - 1] === 0x0a ? '' : '\n';
  const entries = new Map<number, number>(Object.entries(o.pointers ?? {}).map(([n, at]) => [Number(n), at]));
  for (const [n, text] of Object.entries(o.objects ?? {})) {
    entries.set(Number(n), pdf.length + Buffer.byteLength(body, 'latin1'));
    body += `${n} 0 obj\n${text}\nendobj\n`;
  }
  const xrefAt = pdf.length + Buffer.byteLength(body, 'latin1');
  body += 'xref\n0 1\n0000000000 65535 f \n';
  for (const [n, at] of [...entries].sort((a, b) => a[0] - b[0])) body += `${n} 1\n${String(at).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${o.size} /Root ${o.root} 0 R /Prev ${lastStartxref(pdf)} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(body, 'latin1')]);
}
