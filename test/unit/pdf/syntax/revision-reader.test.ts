import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { AppError } from '../../../../src/core/errors.js';
import { Parser, PdfDict, PdfRevisions, PdfStream, PdfString, entryKey, isLimitError } from '../../../../src/pdf/syntax/index.js';
import { buildPdf, minimalPdf } from './build-pdf.js';

/** Appends an incremental update (classic table, /Prev to the previous section). */
function appendUpdate(pdf: Buffer, objects: Record<number, string>, trailerExtra = ''): Buffer {
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(pdf.toString('latin1'))![1]);
  let body = '';
  const offs: [number, number][] = [];
  for (const [n, text] of Object.entries(objects)) {
    offs.push([Number(n), pdf.length + body.length]);
    body += `${n} 0 obj\n${text}\nendobj\n`;
  }
  const xref = pdf.length + body.length;
  body += 'xref\n';
  for (const [n, o] of offs) body += `${n} 1\n${String(o).padStart(10, '0')} 00000 n\r\n`;
  body += `trailer\n<< /Size 20 /Root 1 0 R /Prev ${prev} ${trailerExtra} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(body, 'latin1')]);
}

const limitOf = (e: unknown): unknown => (e instanceof AppError ? e.details?.limit : undefined);

describe('PdfRevisions (revision-indexed view)', () => {
  it('one record per update: sections, trailer, %%EOF and startxref; objects as they were in each revision', () => {
    const base = minimalPdf(1);
    const v2 = appendUpdate(base, { 3: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] >>', 4: '<< /Changed true >>' });
    const r = PdfRevisions.open(v2);
    expect(r.recovered).toBe(false);
    expect(r.revisions.map((x) => x.index)).toEqual([0, 1]);
    expect(r.revisions[0]!.end).toBe(base.length);
    expect(r.revisions[1]!.end).toBe(v2.length);
    expect(r.revisions[0]!.eofAt).toBe(base.length - 6);
    expect(r.revisions[1]!.startxref).toBe(r.revisions[1]!.sections[0]!.offset);
    expect(r.revisions[1]!.sections[0]!.prev).toBe(r.revisions[0]!.sections[0]!.offset);
    const box = (rev: number) => (r.object(3, rev) as PdfDict).get('MediaBox');
    expect([box(0), box(1)]).toEqual([
      [0, 0, 200, 200],
      [0, 0, 300, 300],
    ]);
    expect(entryKey(r.entryAt(3, 0))).not.toBe(entryKey(r.entryAt(3, 1)));
    expect(entryKey(r.entryAt(1, 0))).toBe(entryKey(r.entryAt(1, 1)));
    expect([...r.objectNumbers(0)].sort()).toEqual([1, 2, 3]);
    expect(r.objectNumbers(1).has(4)).toBe(true);
    expect(r.object(4, 0)).toBeNull();
    expect(r.trailerValue('Prev', 0)).toBeUndefined();
    expect(r.catalog(0)?.get('Type')).toEqual(r.catalog(1)?.get('Type'));
  });

  it('strings and dictionaries carry their byte offsets (the /Contents gap can be compared in place)', () => {
    const pdf = buildPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [] /Count 0 >>',
      '<< /Type /Sig /Contents <0A0B0C> /Name (x\\)y) >>',
    ]);
    const r = PdfRevisions.open(pdf);
    const d = r.object(3) as PdfDict;
    const c = d.get('Contents') as PdfString;
    expect(pdf.toString('latin1', c.start!, c.end!)).toBe('<0A0B0C>');
    const n = d.get('Name') as PdfString;
    expect(pdf.toString('latin1', n.start!, n.end!)).toBe('(x\\)y)');
    expect(pdf.toString('latin1', d.start!, d.end!)).toBe('<< /Type /Sig /Contents <0A0B0C> /Name (x\\)y) >>');
  });

  it('a "%%EOF" inside a trailer string does not cut the revision short', () => {
    const base = minimalPdf(1);
    const v2 = appendUpdate(base, { 4: '<< >>' }, '/Note (%%EOF)');
    const r = PdfRevisions.open(v2);
    expect(r.revisions[1]!.end).toBe(v2.length);
  });

  it('groups the two sections of a linearized file into one revision (first-page section /Prev after itself)', () => {
    const head = '%PDF-1.7\n';
    const o1 = '1 0 obj\n<< /Linearized 1 >>\nendobj\n';
    // first-page section: placeholder offsets patched below
    const mk = (main: number, a: number) =>
      `xref\n1 1\n${String(a).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size 5 /Root 2 0 R /Prev ${String(main).padStart(10, '0')} >>\nstartxref\n0\n%%EOF\n`;
    const firstAt = head.length + o1.length;
    const first = mk(0, head.length);
    const objs = '2 0 obj\n<< /Type /Catalog /Pages 3 0 R >>\nendobj\n3 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n';
    const o2 = firstAt + first.length;
    const mainAt = o2 + objs.length;
    const main = `xref\n0 4\n0000000000 65535 f\r\n${String(head.length).padStart(10, '0')} 00000 n\r\n${String(o2).padStart(10, '0')} 00000 n\r\n${String(o2 + objs.indexOf('3 0 obj')).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size 4 >>\nstartxref\n${firstAt}\n%%EOF\n`;
    const pdf = Buffer.from(head + o1 + mk(mainAt, head.length) + objs + main, 'latin1');
    const r = PdfRevisions.open(pdf);
    expect(r.recovered).toBe(false);
    expect(r.revisions).toHaveLength(1);
    expect(r.revisions[0]!.sections.map((s) => s.offset)).toEqual([firstAt, mainAt]);
    expect(r.revisions[0]!.end).toBe(pdf.length);
    expect(r.catalog()?.get('Type')).toBeDefined();
  });

  it('a /Prev loop falls back to the repair scan; a broken /Prev further down is rebuilt from the markers', () => {
    const loop = Buffer.from(
      minimalPdf(1)
        .toString('latin1')
        .replace(/\/Size (\d+)/, (_, n) => `/Size ${n} /Prev ${/startxref\n(\d+)/.exec(minimalPdf(1).toString('latin1'))![1]}`),
      'latin1',
    );
    const a = PdfRevisions.open(loop);
    expect(a.recovered).toBe(true);
    expect(a.catalog()?.get('Pages')).toBeDefined();
    const v2 = appendUpdate(minimalPdf(1), { 4: '<< /A 1 >>' });
    const broken = Buffer.from(
      v2.toString('latin1').replace(/\/Prev (\d+)/, (m, n: string) => `/Prev ${String(Number(n) - 3).padStart(n.length, '0')}`),
      'latin1',
    );
    const b = PdfRevisions.open(broken);
    expect(b.recovered).toBe(false);
    expect(b.revisions).toHaveLength(2);
    expect(b.object(4)).toBeInstanceOf(PdfDict);
  });

  it('an object not at its xref offset is found by scanning', () => {
    const pdf = Buffer.from(
      minimalPdf(1)
        .toString('latin1')
        .replace(
          /\n(\d{10}) 00000 n\r\n(\d{10}) 00000 n\r\n(\d{10}) 00000 n/,
          (m, a: string, b: string, c: string) => `\n${a} 00000 n\r\n${String(Number(b) + 2).padStart(10, '0')} 00000 n\r\n${c} 00000 n`,
        ),
      'latin1',
    );
    const r = PdfRevisions.open(pdf);
    expect((r.object(2) as PdfDict).get('Count')).toBe(1);
  });

  it('limits: deadline, revisions, inflate and depth are PDF_LIMIT_EXCEEDED with details.limit', () => {
    const v2 = appendUpdate(appendUpdate(minimalPdf(1), { 4: '<< >>' }), { 5: '<< >>' });
    const kinds: unknown[] = [];
    for (const run of [
      () => PdfRevisions.open(v2, { limits: { deadline: Date.now() - 1 } }),
      () => PdfRevisions.open(v2, { maxRevisions: 2 }),
      () => {
        const bomb = deflateSync(Buffer.alloc(4 * 1024 * 1024));
        const pdf = buildPdf([
          '<< /Type /Catalog /Pages 2 0 R >>',
          '<< /Type /Pages /Kids [] /Count 0 >>',
          Buffer.concat([Buffer.from(`<< /Length ${bomb.length} /Filter /FlateDecode >>\nstream\n`), bomb, Buffer.from('\nendstream')]),
        ]);
        const r = PdfRevisions.open(pdf, { limits: { maxInflateRatio: 10, minInflateBytes: 1024 } });
        r.streamData(r.object(3) as PdfStream);
      },
      () => PdfRevisions.open(buildPdf([`<< /Type /Catalog /Deep ${'['.repeat(300)}${']'.repeat(300)} >>`])).object(1),
    ]) {
      try {
        run();
        kinds.push('no error');
      } catch (e) {
        expect(isLimitError(e)).toBe(true);
        kinds.push(limitOf(e));
      }
    }
    expect(kinds).toEqual(['time', 'revisions', 'inflate', 'depth']);
  });

  it('the parser checks the deadline inside large arrays and dictionaries', () => {
    const big = Buffer.from(`[${Array.from({ length: 10_000 }, (_, i) => i).join(' ')}]`);
    expect((new Parser(big, 0, 200, big.length).parseObject() as number[]).length).toBe(10_000);
    expect((new Parser(big, 0, 200, big.length, Date.now() + 60_000).parseObject() as number[]).length).toBe(10_000);
    let err: unknown;
    try {
      new Parser(big, 0, 200, big.length, Date.now() - 1).parseObject();
    } catch (e) {
      err = e;
    }
    expect([isLimitError(err), limitOf(err)]).toEqual([true, 'time']);
  });

  it('not a PDF at all → PDF_NOT_PDF; malformed objects read as null', () => {
    expect(() => PdfRevisions.open(Buffer.from('hello world, nothing here'))).toThrow(expect.objectContaining({ code: 'PDF_NOT_PDF' }));
    const r = PdfRevisions.open(buildPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>', '<< /Broken ]']));
    expect(r.object(3)).toBeNull();
  });
});
