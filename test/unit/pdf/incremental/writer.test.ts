import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { IncrementalWriter, appendIncrementalUpdate, serializeObject } from '../../../../src/pdf/incremental/index.js';
import { PdfDict, PdfDocument, PdfName, PdfRef, PdfStream, PdfString, dict, name, textString } from '../../../../src/pdf/syntax/index.js';
import { minimalPdf } from '../syntax/build-pdf.js';

function qpdf(bytes: Buffer): { code: number; out: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kyso-writer-'));
  const f = path.join(dir, 'x.pdf');
  writeFileSync(f, bytes);
  const r = spawnSync('qpdf', ['--check', f], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe('append-only incremental writer (ISO 32000-1 §7.5.6)', () => {
  it('appends objects + a classic table; the original bytes are a prefix; trailer has /Prev, /Size, /ID', () => {
    const base = minimalPdf(1);
    const doc = PdfDocument.open(base);
    const w = new IncrementalWriter(doc);
    const r = w.allocate();
    expect(r.num).toBe(doc.size);
    w.set(r, dict({ Type: name('Test'), T: textString('Tiếng Việt') }));
    const cat = doc.catalog.clone().set('Extra', r);
    w.set(doc.catalogRef!, cat);
    const u = w.build({ id: Buffer.alloc(16, 7) });
    const out = Buffer.concat([base, u.tail]);
    expect(out.subarray(0, base.length).equals(base)).toBe(true);
    expect(u.xrefKind).toBe('table');
    const re = PdfDocument.open(out);
    expect(re.startxref).toBe(u.startxref);
    expect(re.sections[0]!.trailer.get('Prev')).toBe(doc.startxref);
    expect(re.trailer.get('Size')).toBe(r.num + 1);
    expect(re.catalog.get('Extra')).toEqual(r);
    expect(((re.getObject(r.num) as PdfDict).get('T') as PdfString).text()).toBe('Tiếng Việt');
    const id = re.trailer.get('ID') as PdfString[];
    expect(id[1]!.bytes).toEqual(Buffer.alloc(16, 7));
    expect(qpdf(out).code).toBe(0);
    // every table entry is exactly 20 bytes (§7.5.4)
    const table = u.tail.toString('latin1').split('xref\n')[1]!.split('trailer')[0]!;
    for (const line of table
      .split('\n')
      .slice(1)
      .filter((l) => /^\d{10}/.test(l)))
      expect(line.length + 1).toBe(20);
  });

  it('keeps the first /ID element of the original', async () => {
    const d = await PDFDocument.create();
    d.addPage();
    const base = Buffer.from(await d.save({ useObjectStreams: false }));
    const doc = PdfDocument.open(base);
    const first = (doc.trailer.get('ID') as PdfString[] | undefined)?.[0];
    const out = appendIncrementalUpdate(doc, [{ ref: new PdfRef(doc.size, 0), value: 1 }]);
    const re = PdfDocument.open(out);
    const id = re.trailer.get('ID') as PdfString[];
    if (first) expect(id[0]!.bytes).toEqual(first.bytes);
    expect(id).toHaveLength(2);
  });

  it('writes an xref stream after an xref stream, streams keep their data', async () => {
    const d = await PDFDocument.create();
    d.addPage();
    const base = Buffer.from(await d.save({ useObjectStreams: true }));
    const doc = PdfDocument.open(base);
    expect(doc.lastSectionKind).toBe('stream');
    const w = new IncrementalWriter(doc);
    const s = w.allocate();
    w.set(s, new PdfStream(new PdfDict(), Buffer.from('BT ET')));
    const u = w.build();
    expect(u.xrefKind).toBe('stream');
    const out = Buffer.concat([base, u.tail]);
    const re = PdfDocument.open(out);
    expect(re.lastSectionKind).toBe('stream');
    expect(re.streamData(re.getObject(s.num) as PdfStream).toString()).toBe('BT ET');
    expect(qpdf(out).code).toBe(0);
  });

  it('a repaired input gets a complete section without /Prev, and the result is clean', () => {
    const base = minimalPdf(2);
    const broken = Buffer.from(base.toString('latin1').replace(/startxref\n\d+/, 'startxref\n12345678'), 'latin1');
    const doc = PdfDocument.open(broken);
    expect(doc.repaired).toBeDefined();
    const out = appendIncrementalUpdate(doc, [{ ref: new PdfRef(doc.size, 0), value: PdfName.of('X') }]);
    expect(out.subarray(0, broken.length).equals(broken)).toBe(true);
    const re = PdfDocument.open(out, { repair: false });
    expect(re.sections).toHaveLength(1);
    expect(re.sections[0]!.trailer.has('Prev')).toBe(false);
    expect(re.getObject(5)).toEqual(PdfName.of('X'));
    expect(qpdf(out).code).toBe(0);
  });

  it('serializer: names escaped, reals without exponent, binary strings in hex', () => {
    expect(
      serializeObject(
        dict({ 'A B': name('x/y'), N: 1e-7, M: 12.5, S: new PdfString(Buffer.from([0, 255])), L: new PdfString(Buffer.from('a(b)\\')) }),
      ).toString('latin1'),
    ).toBe('<</A#20B /x#2fy/N 0/M 12.5/S <00ff>/L (a\\(b\\)\\\\)>>');
    void execFileSync;
  });
});
