import { serializeObjectBody, type Appearance } from './model.js';

/**
 * A stand-alone one-page PDF (ISO 32000-1 §7.5: header, objects, classic xref table, trailer)
 * whose only page is exactly the stamp's box and paints the stamp's form XObject once. It lets a
 * viewer (pdf.js in the workstation) show the stamp as the signature will draw it, with the
 * same fonts and layout, without signing anything.
 */
export function appearancePreviewPdf(a: Appearance): Buffer {
  // Objects 1–3: catalog, pages, page; 4: the page content; the bundle follows from 5.
  const numbers = new Map<string, number>();
  a.objects.forEach((o, i) => numbers.set(o.id, 5 + i));
  const refOf = (id: string): number => {
    const n = numbers.get(id);
    if (n === undefined) throw new TypeError(`appearance bundle: unknown object ${id}`);
    return n;
  };
  const content = Buffer.from('q /Stamp Do Q\n', 'latin1');
  const bodies: Buffer[] = [
    Buffer.from('<</Type /Catalog /Pages 2 0 R>>', 'latin1'),
    Buffer.from('<</Type /Pages /Kids [3 0 R] /Count 1>>', 'latin1'),
    Buffer.from(
      `<</Type /Page /Parent 2 0 R /MediaBox [0 0 ${a.width} ${a.height}] /Resources <</XObject <</Stamp ${refOf(a.root)} 0 R>>>> /Contents 4 0 R>>`,
      'latin1',
    ),
    Buffer.concat([Buffer.from(`<</Length ${content.length}>>\nstream\n`, 'latin1'), content, Buffer.from('\nendstream', 'latin1')]),
    ...a.objects.map((o) => serializeObjectBody(o, refOf)),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let at = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(at);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(obj);
    at += obj.length;
  });
  const xref =
    `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<</Size ${bodies.length + 1} /Root 1 0 R>>\nstartxref\n${at}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(parts);
}
