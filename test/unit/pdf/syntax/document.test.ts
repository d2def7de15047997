import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { appendIncrementalUpdate } from '../../../../src/pdf/incremental/index.js';
import {
  PdfDict,
  PdfDocument,
  PdfName,
  PdfRef,
  PdfStream,
  formFields,
  getPage,
  openRevision,
  pageCount,
  PdfRevisions,
  dict,
  name,
} from '../../../../src/pdf/syntax/index.js';
import { buildPdf, minimalPdf } from './build-pdf.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
};

/** An xref stream with a PNG "Up" predictor (§7.4.4.4) and /Index, plus an object stream (§7.5.7). */
function xrefStreamPdf(): Buffer {
  const head = Buffer.from('%PDF-1.5\n');
  const o1 = '<< /Type /Catalog /Pages 2 0 R >> ';
  const objstmBody = `1 0 2 ${o1.length} `;
  const objs = o1 + '<< /Type /Pages /Kids [4 0 R] /Count 1 >>';
  const osData = Buffer.from(objstmBody + objs);
  const os = Buffer.concat([
    Buffer.from(`3 0 obj\n<< /Type /ObjStm /N 2 /First ${objstmBody.length} /Length ${osData.length} >>\nstream\n`),
    osData,
    Buffer.from('\nendstream\nendobj\n'),
  ]);
  const page = Buffer.from('4 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>\nendobj\n');
  const osOff = head.length;
  const pageOff = osOff + os.length;
  const xrefOff = pageOff + page.length;
  // rows: [type, off(2 bytes), gen/index(1 byte)] for objects 0..5
  const rows = [
    [0, 0, 255],
    [2, 3, 0],
    [2, 3, 1],
    [1, osOff, 0],
    [1, pageOff, 0],
    [1, xrefOff, 0],
  ];
  const raw: number[] = [];
  let prev = [0, 0, 0, 0];
  for (const r of rows) {
    const cur = [r[0]!, (r[1]! >> 8) & 255, r[1]! & 255, r[2]!];
    raw.push(2, ...cur.map((v, i) => (v - prev[i]! + 256) & 255)); // filter type 2 = Up
    prev = cur;
  }
  const data = deflateSync(Buffer.from(raw));
  const xs = Buffer.concat([
    Buffer.from(
      `5 0 obj\n<< /Type /XRef /Size 6 /Index [0 6] /W [1 2 1] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >> /Length ${data.length} >>\nstream\n`,
    ),
    data,
    Buffer.from(`\nendstream\nendobj\nstartxref\n${xrefOff}\n%%EOF\n`),
  ]);
  return Buffer.concat([head, os, page, xs]);
}

describe('lazy document reader', () => {
  it('reads a classic file: trailer, catalog, pages, out-of-range pages', () => {
    const doc = PdfDocument.open(minimalPdf(3));
    expect(doc.lastSectionKind).toBe('table');
    expect(pageCount(doc)).toBe(3);
    expect(getPage(doc, 2).ref).toEqual(new PdfRef(5, 0));
    expect(code(() => getPage(doc, 3))).toBe('PDF_PAGE_OUT_OF_RANGE');
    expect(doc.repaired).toBeUndefined();
  });

  it('reads xref streams with PNG predictors and objects inside object streams', () => {
    const doc = PdfDocument.open(xrefStreamPdf());
    expect(doc.lastSectionKind).toBe('stream');
    expect(doc.catalog.getName('Type')).toBe('Catalog');
    expect(getPage(doc, 0).ref.num).toBe(4);
    expect(doc.objectLocation(1)).toEqual({ kind: 'compressed', stream: 3, index: 0 });
  });

  it('not a PDF, encrypted, and a /Prev loop give clear errors (repair only when allowed, and reported)', () => {
    expect(code(() => PdfDocument.open(Buffer.from('hello world')))).toBe('PDF_NOT_PDF');
    expect(
      code(() =>
        PdfDocument.open(
          buildPdf(
            ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>', '<< /Filter /Standard >>'],
            '/Root 1 0 R /Encrypt 3 0 R',
          ),
        ),
      ),
    ).toBe('PDF_ENCRYPTED');
    const base = minimalPdf(1);
    const sx = base.lastIndexOf('startxref');
    const off = Number(/startxref\n(\d+)/.exec(base.toString('latin1', sx))![1]);
    const looped = Buffer.from(base.toString('latin1').replace('/Root 1 0 R >>', `/Root 1 0 R /Prev ${off} >>`), 'latin1');
    expect(code(() => PdfDocument.open(looped, { repair: false }))).toBe('PDF_MALFORMED');
    const repaired = PdfDocument.open(looped);
    expect(repaired.repaired).toMatch(/loop/);
    expect(pageCount(repaired)).toBe(1);
    const badOffset = Buffer.from(base.toString('latin1').replace(/startxref\n\d+/, 'startxref\n99999'), 'latin1');
    expect(code(() => PdfDocument.open(badOffset, { repair: false }))).toBe('PDF_MALFORMED');
    expect(PdfDocument.open(badOffset).repaired).toMatch(/outside/);
  });

  it('page tree cycles are PDF_MALFORMED, not a hang', () => {
    const doc = PdfDocument.open(
      buildPdf([
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 2 >>',
        '<< /Type /Pages /Kids [2 0 R] /Count 2 >>',
      ]),
    );
    expect(code(() => getPage(doc, 1))).toBe('PDF_MALFORMED');
  });

  it('inflate output is capped (PDF_LIMIT_EXCEEDED)', () => {
    const bomb = deflateSync(Buffer.alloc(4 * 1024 * 1024));
    const pdf = buildPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [] /Count 0 >>',
      Buffer.concat([Buffer.from(`<< /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`), bomb, Buffer.from('\nendstream')]),
    ]);
    const doc = PdfDocument.open(pdf, { limits: { maxStreamBytes: 1024 * 1024 } });
    expect(code(() => doc.streamData(doc.getObject(3) as PdfStream))).toBe('PDF_LIMIT_EXCEEDED');
  });

  it('finding the last page of a 1,000-page file loads only the objects on the path', async () => {
    const d = await PDFDocument.create();
    for (let i = 0; i < 1000; i++) d.addPage([100, 100]);
    const doc = PdfDocument.open(Buffer.from(await d.save()));
    expect(pageCount(doc)).toBe(1000);
    expect(getPage(doc, 999).dict.getName('Type')).toBe('Page');
    // the kids before the target are read for their /Type and /Count only; nothing else is parsed
    expect(doc.loadedObjects).toBeLessThan(1100);
    const fresh = PdfDocument.open(Buffer.from(await d.save()));
    getPage(fresh, 0);
    expect(fresh.loadedObjects).toBeLessThan(10);
  });

  it('revisions: one per update, objects of each revision from its own xref sections', () => {
    const base = minimalPdf(1);
    const doc = PdfDocument.open(base);
    const rev1 = appendIncrementalUpdate(doc, [
      { ref: new PdfRef(3, 0), value: dict({ Type: name('Page'), Parent: new PdfRef(2, 0), Rotate: 90 }) },
    ]);
    const doc1 = PdfDocument.open(rev1);
    const rev2 = appendIncrementalUpdate(doc1, [{ ref: new PdfRef(4, 0), value: new PdfDict([['Hello', PdfName.of('World')]]) }]);
    const revs = PdfRevisions.open(rev2).revisions;
    expect(revs.map((r) => r.end)).toEqual([base.length, rev1.length, rev2.length]);
    const doc2 = PdfDocument.open(rev2);
    const own = (i: number) => [...new Set(revs[i]!.sections.flatMap((s) => [...s.entries.keys()]))];
    expect(own(1)).toEqual([3]);
    expect(own(2)).toEqual([4]);
    expect(own(0)).toHaveLength(4);
    expect((doc2.getObject(3) as PdfDict).get('Rotate')).toBe(90);
    // the document as of revision 0 is its prefix
    expect((PdfDocument.open(rev2.subarray(0, revs[0]!.end)).getObject(3) as PdfDict).has('Rotate')).toBe(false);
    expect((openRevision(rev2, revs[1]!).getObject(3) as PdfDict).get('Rotate')).toBe(90);
    expect(openRevision(rev2, revs[1]!).getObject(4)).toBeNull();
  });

  it('fuzz: corrupted files open or fail with a PDF_* AppError, never another exception', async () => {
    const d = await PDFDocument.create();
    d.addPage([100, 100]).drawText('x');
    const seeds = [minimalPdf(2), xrefStreamPdf(), Buffer.from(await d.save({ useObjectStreams: true }))];
    fc.assert(
      fc.property(
        fc.nat(seeds.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat()),
        (si, edits, cut) => {
          const b = Buffer.from(seeds[si]!);
          for (const [pos, v] of edits) b[pos % b.length] = v;
          const bytes = cut === null ? b : b.subarray(0, cut % b.length);
          try {
            const doc = PdfDocument.open(bytes);
            getPage(doc, 0);
            formFields(doc);
          } catch (e) {
            if (!(e instanceof AppError) || !e.code.startsWith('PDF_')) throw e;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
