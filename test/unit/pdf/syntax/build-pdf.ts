/** Test helper: assembles a PDF from object bodies with a correct classic xref table. */
export function buildPdf(bodies: Array<string | Buffer>, trailer = '/Root 1 0 R', header = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'): Buffer {
  const parts: Buffer[] = [Buffer.from(header, 'latin1')];
  let pos = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((b, i) => {
    offsets.push(pos);
    const chunk = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`),
      Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1'),
      Buffer.from('\nendobj\n'),
    ]);
    parts.push(chunk);
    pos += chunk.length;
  });
  const xref = `xref\n0 ${bodies.length + 1}\n0000000000 65535 f\r\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('')}trailer\n<< /Size ${bodies.length + 1} ${trailer} >>\nstartxref\n${pos}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(parts);
}

/** A minimal valid document: catalog, page tree with `pages` pages. */
export function minimalPdf(pages = 1): Buffer {
  const kids = Array.from({ length: pages }, (_, i) => `${i + 3} 0 R`).join(' ');
  const bodies = ['<< /Type /Catalog /Pages 2 0 R >>', `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`];
  for (let i = 0; i < pages; i++) bodies.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>');
  return buildPdf(bodies);
}
