import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildElectronicCopyAppearance,
  buildIndividualAppearance,
  buildOrganizationAppearance,
  electronicCopyStampHeight,
  mm,
} from '../../../src/pdf/appearance/index.js';
import { isAppError } from '../../../src/core/errors.js';
import { miniPdf } from './mini-pdf.js';
import {
  differenceFromReference,
  extentOf,
  isSealRed,
  isSignatureBlue,
  overlappingWords,
  ptToPx,
  pxToMm,
  renderPage,
  wordBoxes,
} from '../../fixtures/layout-checks.js';

const SEAL = readFileSync(join(process.cwd(), 'assets/samples/sample-seal-red.png'));
const SIGNATURE = readFileSync(join(process.cwd(), 'assets/samples/sample-signature-blue.png'));
const TIME = new Date(Date.UTC(2026, 10, 26, 15, 4, 5));
const MAX_DIFF = 0.002;

describe('stamp layout on 200 dpi renderings (pdftoppm, pdftotext -bbox)', () => {
  it('individual: authority lines, title, signature, name once, time — no word overlaps another', async () => {
    const ap = await buildIndividualAppearance({
      width: 220,
      height: 150,
      authorityLines: ['TM. Ủy ban nhân dân', 'KT. Chủ tịch'],
      title: 'Phó Chủ tịch',
      signatureImage: SIGNATURE,
      signerName: 'Nguyễn Văn An',
      signingTime: TIME,
    });
    const r = renderPage('individual', miniPdf([240, 170], [{ bundle: ap, rect: [10, 10, 230, 160], as: 'widget' }]));
    const words = wordBoxes(r.pdfPath);
    const text = words.map((w) => w.text).join(' ');
    expect(text).toContain('TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH');
    expect(text.match(/Nguyễn Văn An/g)).toHaveLength(1);
    expect(text).toContain('Thời gian ký: 26/11/2026 22:04:05 +07:00');
    expect(overlappingWords(words)).toEqual([]);
    expect(differenceFromReference('stamp-individual', r.pngPath)).toBeLessThan(MAX_DIFF);
  });

  it('organization: the seal at its real 36 mm, "Ký bởi" and the time beside it on whole lines', async () => {
    const ap = await buildOrganizationAppearance({
      width: 330,
      height: 110,
      sealImage: SEAL,
      organizationName: 'UBND xã Hạ Long',
      signingTime: TIME,
    });
    const r = renderPage('organization', miniPdf([350, 130], [{ bundle: ap, rect: [10, 10, 340, 120], as: 'widget' }]));
    const red = extentOf(r.png, isSealRed)!;
    expect(Math.abs(pxToMm(red.x1 - red.x0) - 36)).toBeLessThanOrEqual(1);
    expect(Math.abs(pxToMm(red.y1 - red.y0) - 36)).toBeLessThanOrEqual(1);
    const words = wordBoxes(r.pdfPath);
    expect(overlappingWords(words)).toEqual([]);
    // No word is printed over the seal.
    for (const w of words) expect(ptToPx(w.xMin)).toBeGreaterThanOrEqual(red.x1);
    const lines = execLines(words);
    expect(lines).toContain('Ký bởi: UBND xã Hạ Long');
    expect(lines).toContain('Thời gian ký: 26/11/2026 22:04:05 +07:00');
    expect(differenceFromReference('stamp-organization', r.pngPath)).toBeLessThan(MAX_DIFF);
  });

  it('organization --seal-size: a 30 mm seal is drawn 30 mm across', async () => {
    const ap = await buildOrganizationAppearance({
      width: mm(30),
      height: mm(30),
      sealImage: SEAL,
      organizationName: 'UBND xã Hạ Long',
      signingTime: TIME,
      sealSize: mm(30),
      showText: false,
    });
    const r = renderPage('seal-30mm', miniPdf([120, 120], [{ bundle: ap, rect: [10, 10, 10 + mm(30), 10 + mm(30)], as: 'widget' }]));
    const red = extentOf(r.png, isSealRed)!;
    expect(Math.abs(pxToMm(red.x1 - red.x0) - 30)).toBeLessThanOrEqual(1);
    expect(wordBoxes(r.pdfPath)).toEqual([]);
  });

  it('seal only over the official’s signature: the seal covers the signature image’s left third', async () => {
    const sig = await buildIndividualAppearance({
      width: 220,
      height: 150,
      authorityLines: ['TM. Ủy ban nhân dân'],
      title: 'Chủ tịch',
      signatureImage: SIGNATURE,
      signerName: 'Trần Thị Bình',
      signingTime: TIME,
      idPrefix: 'sig',
    });
    const sealSize = mm(36);
    // The signature image spans the widget's inner width (2 pt padding), centred vertically in its band.
    const imageLeft = 60 + 2;
    const imageWidth = 216;
    const cx = imageLeft + imageWidth / 6;
    const seal = await buildOrganizationAppearance({
      width: sealSize,
      height: sealSize,
      sealImage: SEAL,
      organizationName: 'UBND xã Hạ Long',
      signingTime: TIME,
      showText: false,
      idPrefix: 'seal',
    });
    const pdf = miniPdf(
      [300, 190],
      [
        { bundle: sig, rect: [60, 20, 280, 170], as: 'widget' },
        { bundle: seal, rect: [cx - sealSize / 2, 95 - sealSize / 2, cx + sealSize / 2, 95 + sealSize / 2], as: 'widget' },
      ],
    );
    const r = renderPage('seal-over-signature', pdf);
    const red = extentOf(r.png, isSealRed)!;
    const blue = extentOf(r.png, isSignatureBlue)!;
    const third = blue.x0 + (blue.x1 - blue.x0) / 3;
    // The seal reaches over the left third of the signature and not past its middle.
    expect(red.x0).toBeLessThanOrEqual(blue.x0);
    expect(red.x1).toBeGreaterThanOrEqual(third);
    expect(red.x1).toBeLessThan(blue.x0 + (blue.x1 - blue.x0) * 0.75);
    expect(Math.abs(pxToMm(red.x1 - red.x0) - 36)).toBeLessThanOrEqual(1);
    expect(overlappingWords(wordBoxes(r.pdfPath))).toEqual([]);
    expect(differenceFromReference('stamp-seal-over-signature', r.pngPath)).toBeLessThan(MAX_DIFF);
  });

  it('electronic copy: three lines, 10 pt, no overlap', async () => {
    const e = { width: 220, copyForm: 'SAO Y', organizationName: 'UBND xã Hạ Long', signingTime: TIME };
    const h = electronicCopyStampHeight(e);
    const ap = await buildElectronicCopyAppearance({ ...e, height: h });
    const r = renderPage('electronic-copy', miniPdf([240, h + 20], [{ bundle: ap, rect: [10, 10, 230, 10 + h], as: 'widget' }]));
    expect(overlappingWords(wordBoxes(r.pdfPath))).toEqual([]);
    expect(differenceFromReference('stamp-electronic-copy', r.pngPath)).toBeLessThan(MAX_DIFF);
  });

  it('a long organization name goes on full-width lines under "Ký bởi:", readable, never over the seal or other lines', async () => {
    const organizationName = 'Ủy ban nhân dân xã Hạ Long, huyện Vân Đồn, tỉnh Quảng Ninh — Văn phòng Hội đồng nhân dân và Ủy ban nhân dân';
    const ap = await buildOrganizationAppearance({ width: 330, height: 110, sealImage: SEAL, organizationName, signingTime: TIME });
    const r = renderPage('organization-long-name', miniPdf([350, 130], [{ bundle: ap, rect: [10, 10, 340, 120], as: 'widget' }]));
    const words = wordBoxes(r.pdfPath);
    expect(overlappingWords(words)).toEqual([]);
    const red = extentOf(r.png, isSealRed)!;
    for (const w of words) expect(ptToPx(w.xMin)).toBeGreaterThanOrEqual(red.x1);
    expect(words.map((w) => w.text).join(' ')).toContain(organizationName);
    expect(execLines(words)).toContain('Thời gian ký: 26/11/2026 22:04:05 +07:00');
    // Readable: no word smaller than 6 pt (pdftotext boxes are about 1.1 × the size).
    for (const w of words) expect(w.yMax - w.yMin).toBeGreaterThan(6);
  });

  it('refuses a box too small for the seal at its real size instead of shrinking it', async () => {
    const err = await buildOrganizationAppearance({
      width: 80,
      height: 80,
      sealImage: SEAL,
      organizationName: 'UBND xã Hạ Long',
      signingTime: TIME,
    }).catch((e: unknown) => e);
    expect(isAppError(err, 'VALIDATION_FAILED')).toBe(true);
  });
});

/** The page's words joined into lines by their baseline (for whole-line assertions). */
function execLines(words: ReturnType<typeof wordBoxes>): string[] {
  const rows = new Map<number, typeof words>();
  for (const w of words) {
    const key = Math.round(w.yMax);
    rows.set(key, [...(rows.get(key) ?? []), w]);
  }
  return [...rows.values()].map((ws) =>
    ws
      .sort((a, b) => a.xMin - b.xMin)
      .map((w) => w.text)
      .join(' '),
  );
}
