import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentBounds, freeBandAtBottom, intersection, readPageGeometry, type PageGeometry } from '../../../../src/pdf/content/index.js';
import { errorCode } from '../../../fixtures/error-code.js';

/** A two-page A4 document with text, an image and a rectangle at known places; page 2 is blank. */
async function samplePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595.28, 841.89]);
  page.drawText('Result of the appraisal', { x: 72, y: 760, size: 14, font });
  page.drawRectangle({ x: 72, y: 600, width: 200, height: 50, color: rgb(0.9, 0.9, 0.9) });
  const png = new PNG({ width: 4, height: 4 });
  png.data.fill(200);
  const image = await doc.embedPng(PNG.sync.write(png));
  // Inside a transformed graphics state, so the CTM path is exercised.
  page.drawImage(image, { x: 300, y: 450, width: 100, height: 40 });
  doc.addPage([595.28, 841.89]);
  return doc.save({ useObjectStreams: false });
}

describe('readPageGeometry', () => {
  let pages: PageGeometry[];
  let pdf: Uint8Array;
  beforeAll(async () => {
    pdf = await samplePdf();
    pages = await readPageGeometry(pdf);
  });

  it('ok/finds the text run where pdftotext -bbox (poppler) finds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-geom-'));
    writeFileSync(join(dir, 'a.pdf'), pdf);
    const html = execFileSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', join(dir, 'a.pdf'), '-'], { encoding: 'utf8' });
    const word = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">Result<\/word>/.exec(html);
    expect(word).not.toBeNull();
    const [xMin, yMinTop, , yMaxTop] = word!.slice(1).map(Number) as [number, number, number, number];
    const height = 841.89;
    const run = pages[0]!.text.find((t) => t.text.startsWith('Result'));
    expect(run).toBeDefined();
    expect(run!.x0).toBeCloseTo(xMin, 0);
    // poppler measures from the top of the page; our boxes are in PDF user space (y up).
    expect(intersection(run!, { x0: xMin, y0: height - yMaxTop, x1: xMin + 10, y1: height - yMinTop })).toBeDefined();
  });

  it('ok/places the image and the filled rectangle by the current transformation matrix', () => {
    const [img] = pages[0]!.images;
    expect(img).toBeDefined();
    expect([img!.x0, img!.y0, img!.x1, img!.y1].map(Math.round)).toEqual([300, 450, 400, 490]);
    const rect = pages[0]!.paths.find((p) => Math.round(p.x0) === 72 && Math.round(p.y0) === 600);
    expect(rect && [Math.round(rect.x1), Math.round(rect.y1)]).toEqual([272, 650]);
  });

  it('ok/a blank page has no content and a free band of almost the whole page', () => {
    expect(contentBounds(pages[1]!)).toBeUndefined();
    const band = freeBandAtBottom(pages[1]!, 100);
    expect(band).toBeDefined();
    expect(band!.y1 - band!.y0).toBeGreaterThan(700);
  });

  it('ok/the free band on page 1 starts below the lowest content (the image at y = 450)', () => {
    const band = freeBandAtBottom(pages[0]!, 100)!;
    expect(band.y1).toBeLessThanOrEqual(450);
    expect(band.y0).toBeGreaterThanOrEqual(36);
    expect(freeBandAtBottom(pages[0]!, 500)).toBeUndefined();
  });

  it('ok/reads only the pages asked for and leaves the input bytes untouched', async () => {
    const before = Buffer.from(pdf);
    const only = await readPageGeometry(pdf, { pages: [1] });
    expect(only.map((p) => p.pageIndex)).toEqual([1]);
    expect(Buffer.from(pdf).equals(before)).toBe(true);
  });

  it('fail/not a PDF → PDF_MALFORMED; a page outside the document → PDF_PAGE_OUT_OF_RANGE', async () => {
    expect(await errorCode(readPageGeometry(Buffer.from('hello, not a pdf')))).toBe('PDF_MALFORMED');
    expect(await errorCode(readPageGeometry(pdf, { pages: [5] }))).toBe('PDF_PAGE_OUT_OF_RANGE');
  });
});
