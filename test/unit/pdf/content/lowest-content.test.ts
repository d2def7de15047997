import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, PDFName, StandardFonts, degrees, rgb } from 'pdf-lib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { contentBounds, lowestDrawnY, readPageGeometry } from '../../../../src/pdf/content/index.js';

/** What page-geometry.ts (pdf.js) says: the y0 of everything drawn, or the top of the page. */
async function byPdfJs(pdf: Uint8Array, page: number): Promise<number> {
  const [g] = await readPageGeometry(pdf, { pages: [page] });
  return contentBounds(g!)?.y0 ?? g!.box.y1;
}

/** A one-page A4 document whose content stream is `content`, with Helvetica as /F1 and a small image as /Im1. */
async function rawPage(content: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595.28, 841.89]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(90);
  const image = await doc.embedPng(PNG.sync.write(png));
  page.node.setFontDictionary(PDFName.of('F1'), font.ref);
  page.node.setXObject(PDFName.of('Im1'), image.ref);
  page.node.set(PDFName.of('Contents'), doc.context.register(doc.context.stream(content)));
  return doc.save({ useObjectStreams: false });
}

async function both(pdf: Uint8Array, page = 0): Promise<{ fast: number | 'unsupported'; pdfjs: number }> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  return { fast: lowestDrawnY(doc.getPage(page).node), pdfjs: await byPdfJs(pdf, page) };
}

describe('lowestDrawnY', () => {
  it('ok/agrees with pdf.js on text, rectangles, images and a placed page (form XObject), and on a blank page', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.TimesRoman);
    const p1 = doc.addPage([595.28, 841.89]);
    p1.drawText('Result of the appraisal', { x: 72, y: 700, size: 14, font });
    // A composite font (Type0, Identity-H), as Vietnamese text is embedded.
    doc.registerFontkit(fontkit);
    const vi = await doc.embedFont(readFileSync('assets/fonts/LiberationSerif-Regular.ttf'), { subset: true });
    p1.drawText('Kết luận thẩm định', { x: 72, y: 650, size: 12, font: vi });
    p1.drawText('second line', { x: 72, y: 512.5, size: 9, font });
    p1.drawRectangle({ x: 300, y: 420, width: 100, height: 30, color: rgb(0.8, 0.8, 0.8) });
    const p2 = doc.addPage([595.28, 841.89]);
    const png = new PNG({ width: 3, height: 3 });
    png.data.fill(10);
    p2.drawImage(await doc.embedPng(PNG.sync.write(png)), { x: 100, y: 333, width: 50, height: 20 });
    p2.drawText('above the image', { x: 72, y: 600, size: 12, font });
    const p3 = doc.addPage([595.28, 841.89]);
    p3.drawPage(await doc.embedPage(p1), { x: 20, y: -100, xScale: 0.8, yScale: 0.8 });
    doc.addPage([595.28, 841.89]);
    const pdf = await doc.save({ useObjectStreams: false });
    for (const [page, expected] of [
      [0, 420],
      [1, 333],
      [2, undefined],
      [3, 841.89],
    ] as const) {
      const { fast, pdfjs } = await both(pdf, page);
      expect(fast).not.toBe('unsupported');
      expect(fast as number).toBeCloseTo(pdfjs, 1);
      if (expected !== undefined) expect(fast as number).toBeCloseTo(expected, 1);
    }
  });

  it('ok/follows q/Q, cm, Tm, TD/T*/TL leading and text rise as pdf.js does', async () => {
    const pdf = await rawPage(
      [
        'q 1 0 0 1 0 -100 cm BT /F1 12 Tf 72 700 Td (a) Tj 0 -20 TD (b) Tj T* (c) Tj 30 TL T* (d) Tj -4 Ts (e) Tj ET Q',
        'BT /F1 10 Tf 1 0 0 1 72 560 Tm (f) Tj ET',
        'q 0.5 0 0 0.5 100 100 cm /Im1 Do Q',
      ].join('\n'),
    );
    const { fast, pdfjs } = await both(pdf);
    expect(fast).toBeCloseTo(pdfjs, 1);
    // The lowest is the image (unit square at y = 100).
    expect(fast).toBeCloseTo(100, 1);
    const textOnly = await both(
      await rawPage('q 1 0 0 1 0 -100 cm BT /F1 12 Tf 72 700 Td (a) Tj 0 -20 TD (b) Tj T* (c) Tj 30 TL T* (d) Tj -4 Ts (e) Tj ET Q'),
    );
    expect(textOnly.fast).toBeCloseTo(textOnly.pdfjs, 1);
    // 700 − 20 − 20 − 30 − 100 = 530; rise −4 and a quarter of 12 below the baseline: 523.
    expect(textOnly.fast).toBeCloseTo(523, 1);
  });

  it('ok/errs low, never high: a curve counts its control points; runs of spaces and empty strings draw nothing', async () => {
    const curve = await both(await rawPage('100 300 m 150 100 200 100 250 300 c S'));
    expect(curve.fast as number).toBeLessThanOrEqual(curve.pdfjs + 0.01);
    expect(curve.fast).toBeCloseTo(100, 1);
    const spaces = await both(await rawPage('BT /F1 12 Tf 72 700 Td (x) Tj ET BT /F1 12 Tf 72 100 Td (   ) Tj () Tj ET'));
    expect(spaces.fast).toBeCloseTo(spaces.pdfjs, 1);
    expect(spaces.fast).toBeCloseTo(697, 1);
  });

  it('ok/content outside the visible area does not count', async () => {
    const r = await both(await rawPage('50 500 100 100 re f 50 -300 100 100 re f 700 100 50 50 re f'));
    expect(r.fast).toBeCloseTo(r.pdfjs, 1);
    expect(r.fast).toBeCloseTo(500, 1);
  });

  it('fail/what it does not model is unsupported (the caller asks pdf.js): rotated text, inline images, shadings, unknown operators, bad syntax', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    doc.addPage([595.28, 841.89]).drawText('turned', { x: 100, y: 400, size: 12, font, rotate: degrees(30) });
    const rotated = await doc.save();
    expect((await both(rotated)).fast).toBe('unsupported');
    for (const content of [
      'BI /W 1 /H 1 /BPC 8 /CS /G ID \x80 EI',
      '/Sh0 sh',
      '1 2 frobnicate',
      'BT /F1 12 Tf (unterminated Tj ET',
      'BT /F9 12 Tf (no such font) Tj ET',
      'BT (no font) Tj ET',
    ]) {
      expect(lowestDrawnY((await PDFDocument.load(await rawPage(content))).getPage(0).node), content).toBe('unsupported');
    }
    // An unknown operator inside BX … EX is allowed (ISO 32000-1 §7.8.2).
    expect(lowestDrawnY((await PDFDocument.load(await rawPage('BX 1 2 frobnicate EX 10 20 30 40 re f'))).getPage(0).node)).toBeCloseTo(
      20,
      5,
    );
  });

  it('ok/on the signed and malformed PDFs of the test corpus it is never higher than pdf.js', async () => {
    const dir = 'test/corpus/dss/dss-pades/src/test/resources/validation';
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.pdf') && statSync(join(dir, f)).size < 1_000_000)
      .sort()
      .slice(0, 40);
    let compared = 0;
    for (const f of files) {
      const bytes = readFileSync(join(dir, f));
      let doc: PDFDocument;
      try {
        doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
        if (doc.isEncrypted || doc.getPageCount() === 0) continue;
      } catch {
        continue;
      }
      const last = doc.getPageCount() - 1;
      const fast = lowestDrawnY(doc.getPage(last).node);
      if (fast === 'unsupported') continue;
      const pdfjs = await byPdfJs(bytes, last).catch(() => undefined);
      if (pdfjs === undefined) continue;
      expect(fast, f).toBeLessThanOrEqual(pdfjs + 0.5);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  }, 120_000);
});
