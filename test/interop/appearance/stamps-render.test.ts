import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildElectronicCopyAppearance,
  buildIndividualAppearance,
  buildOrganizationAppearance,
  buildTextBlockAppearance,
  assertBundleClosed,
  electronicCopyStampHeight,
  topRightRect,
} from '../../../src/pdf/appearance/index.js';
import { miniPdf } from './mini-pdf.js';
import { countPixels, isBlue, isDark, isRed, isWhite, pixelAt, saveAndRender } from './render-helpers.js';

const SEAL = readFileSync(join(process.cwd(), 'assets/samples/sample-seal-red.png'));
const SIGNATURE = readFileSync(join(process.cwd(), 'assets/samples/sample-signature-blue.png'));
// 2026-11-26 15:04:05 UTC = 22:04:05 in Vietnam.
const TIME = new Date(Date.UTC(2026, 10, 26, 15, 4, 5));
const A4: [number, number] = [595, 842];

function qpdfCheck(path: string): void {
  // qpdf exits 0 (ok) or 3 (warnings); 2 means errors.
  execFileSync('qpdf', ['--check', path], { stdio: 'pipe' });
}

describe('visible stamps render with Vietnamese text and transparent images', () => {
  it('individual: title, blue signature, name and Vietnam time', async () => {
    const ap = await buildIndividualAppearance({
      width: 200,
      height: 110,
      title: 'KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH',
      signatureImage: SIGNATURE,
      signerName: 'Nguyễn Văn An',
      signingTime: TIME,
    });
    assertBundleClosed(ap);
    const rect: [number, number, number, number] = [300, 500, 500, 610];
    const pdf = miniPdf(A4, [{ bundle: ap, rect, as: 'content' }]);
    const r = saveAndRender('individual', pdf);
    qpdfCheck(r.pdfPath);
    expect(r.text).toContain('Nguyễn Văn An');
    expect(r.text).toContain('KT. CHỦ TỊCH');
    expect(r.text).toContain('PHÓ CHỦ TỊCH');
    expect(r.text).toContain('Thời gian ký: 26/11/2026 22:04:05 +07:00');
    // The signature's transparent background shows the white page; its strokes are blue.
    const blue = countPixels(r.png, rect, A4[1], isBlue);
    expect(blue.hits).toBeGreaterThan(200);
    expect(countPixels(r.png, [0, 0, 290, 842], A4[1], (p) => !isWhite(p)).hits).toBe(0);
    // The image box's corner (transparent in the PNG) is white, not black.
    expect(isWhite(pixelAt(r.png, 303, 540, A4[1]))).toBe(true);
  });

  it('organization: red seal on the left third, name and time on the right, transparent background', async () => {
    const ap = await buildOrganizationAppearance({
      width: 270,
      height: 90,
      sealImage: SEAL,
      organizationName: 'Ủy ban nhân dân tỉnh Quảng Ninh',
      signingTime: TIME,
      sealSize: 86,
    });
    assertBundleClosed(ap);
    const rect: [number, number, number, number] = [200, 600, 470, 690];
    const r = saveAndRender('organization', miniPdf(A4, [{ bundle: ap, rect, as: 'widget' }]));
    qpdfCheck(r.pdfPath);
    expect(countPixels(r.png, [200, 600, 290, 690], A4[1], isRed).hits).toBeGreaterThan(500);
    expect(countPixels(r.png, [292, 600, 470, 690], A4[1], isRed).hits).toBe(0);
    // Seal centre (the star) is red; the corners of the seal's square (alpha 0) show the white page.
    expect(isRed(pixelAt(r.png, 245, 645, A4[1]))).toBe(true);
    expect(isWhite(pixelAt(r.png, 202, 602, A4[1]))).toBe(true);
    expect(isWhite(pixelAt(r.png, 287, 687, A4[1]))).toBe(true);
    // The text is drawn right of the seal.
    expect(countPixels(r.png, [292, 600, 470, 690], A4[1], isDark).hits).toBeGreaterThan(200);
    const flat = r.text.replace(/\s+/g, ' ');
    expect(flat).toContain('Ký bởi: Ủy ban nhân dân tỉnh Quảng Ninh');
    expect(flat).toContain('Thời gian ký: 26/11/2026 22:04:05 +07:00');
  });

  it('organization seal laid over the left third of an individual signature keeps the strokes visible', async () => {
    const ind = await buildIndividualAppearance({
      width: 210,
      height: 100,
      title: 'CHỦ TỊCH',
      signatureImage: SIGNATURE,
      signerName: 'Trần Thị Bình',
    });
    const seal = await buildOrganizationAppearance({
      width: 90,
      height: 90,
      sealImage: SEAL,
      organizationName: 'UBND',
      signingTime: TIME,
      sealSize: 90,
      showText: false,
    });
    const indRect: [number, number, number, number] = [250, 400, 460, 500];
    // Seal centred on the left third of the signature area.
    const sealRect: [number, number, number, number] = [250 + 70 / 2 - 45, 405, 250 + 70 / 2 + 45, 495];
    const r = saveAndRender(
      'organization-over-individual',
      miniPdf(A4, [
        { bundle: ind, rect: indRect, as: 'widget' },
        { bundle: seal, rect: sealRect, as: 'widget' },
      ]),
    );
    qpdfCheck(r.pdfPath);
    expect(countPixels(r.png, sealRect, A4[1], isRed).hits).toBeGreaterThan(500);
    // Blue strokes show under the seal's transparent parts and beside it.
    expect(countPixels(r.png, sealRect, A4[1], isBlue).hits).toBeGreaterThan(20);
    expect(countPixels(r.png, [sealRect[2], 400, 460, 500], A4[1], isBlue).hits).toBeGreaterThan(100);
    expect(r.text).toContain('Trần Thị Bình');
  });

  it('organization text extracts exactly (painted as page content)', async () => {
    const ap = await buildOrganizationAppearance({
      width: 270,
      height: 90,
      sealImage: SEAL,
      organizationName: 'Ủy ban nhân dân tỉnh Quảng Ninh',
      signingTime: TIME,
      sealSize: 86,
    });
    const r = saveAndRender('organization-content', miniPdf(A4, [{ bundle: ap, rect: [200, 400, 470, 490], as: 'content' }]));
    qpdfCheck(r.pdfPath);
    const flat = r.text.replace(/\s+/g, ' ');
    expect(flat).toContain('Ký bởi: Ủy ban nhân dân tỉnh Quảng Ninh');
    expect(flat).toContain('Thời gian ký: 26/11/2026 22:04:05 +07:00');
  });

  it('electronic copy: top right of page 1, 10 pt serif text only', async () => {
    const input = { width: 190, copyForm: 'SAO Y', organizationName: 'Văn phòng Ủy ban nhân dân tỉnh', signingTime: TIME };
    const height = electronicCopyStampHeight(input);
    expect(height).toBeGreaterThan(3 * 10);
    expect(height).toBeLessThan(3 * 10 * 1.2 + 5);
    const ap = await buildElectronicCopyAppearance({ ...input, height });
    expect(ap.objects.some((o) => o.dict.entries['Subtype'] && (o.dict.entries['Subtype'] as { name: string }).name === 'Image')).toBe(
      false,
    );
    const rect = topRightRect([0, 0, A4[0], A4[1]], 190, height);
    const r = saveAndRender('electronic-copy', miniPdf(A4, [{ bundle: ap, rect, as: 'content' }]));
    const lines = r.text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    expect(lines).toEqual(['SAO Y', 'Văn phòng Ủy ban nhân dân tỉnh', '26/11/2026 22:04:05 +07:00']);
    // Only black/grey ink, all of it in the top-right rectangle.
    expect(countPixels(r.png, [0, 0, 595, 842], A4[1], (p) => !isWhite(p)).hits).toBe(
      countPixels(r.png, rect, A4[1], (p) => !isWhite(p)).hits,
    );
    expect(countPixels(r.png, rect, A4[1], (p) => p[0] !== p[1] || p[1] !== p[2]).hits).toBe(0);
  });

  it('page overlay: a certification statement painted over a page whose content leaves the CTM changed', async () => {
    const ap = await buildTextBlockAppearance({
      width: 300,
      padding: 2,
      paragraphs: [
        { text: 'Chứng thực bản sao đúng với bản chính', font: 'bold', size: 12, align: 'center' },
        { text: 'Số chứng thực: 1234, Quyển số: 01/2026-SCT/BS', size: 11, align: 'center' },
        { text: 'Ngày 26 tháng 11 năm 2026', size: 11, align: 'center' },
      ],
      images: [],
    });
    const rect: [number, number, number, number] = [250, 100, 550, 100 + ap.height];
    // The original page scales by 2 and sets a blue fill without q/Q (legal at the end of a page).
    const original = '2 0 0 2 0 0 cm 0 0 1 rg 10 10 40 40 re f';
    const r = saveAndRender('overlay', miniPdf(A4, [{ bundle: ap, rect, as: 'overlay' }], original));
    qpdfCheck(r.pdfPath);
    expect(r.text).toContain('Chứng thực bản sao đúng với bản chính');
    expect(r.text).toContain('Số chứng thực: 1234, Quyển số: 01/2026-SCT/BS');
    expect(r.text).toContain('Ngày 26 tháng 11 năm 2026');
    // The page's own square is still there (20..100 after its 2x scale)...
    expect(isBlue(pixelAt(r.png, 60, 60, A4[1]))).toBe(true);
    // ...and the overlay's ink stays inside its rectangle, unscaled and black (not the page's blue).
    const inkInside = countPixels(r.png, rect, A4[1], isDark).hits;
    expect(inkInside).toBeGreaterThan(300);
    expect(countPixels(r.png, rect, A4[1], isBlue).hits).toBe(0);
    const allInk = countPixels(r.png, [0, 0, A4[0], A4[1]], A4[1], (p) => !isWhite(p) && !isBlue(p)).hits;
    const rectInk = countPixels(r.png, rect, A4[1], (p) => !isWhite(p) && !isBlue(p)).hits;
    expect(allInk - rectInk).toBeLessThan(60); // only anti-aliasing fringes of the blue square
  });

  it.each([90, 180, 270] as const)('a stamp on a page with /Rotate %i reads upright', async (rotate) => {
    const ap = await buildIndividualAppearance({
      width: 200,
      height: 100,
      title: 'CHỦ TỊCH',
      signatureImage: SIGNATURE,
      signerName: 'Đỗ Văn Dũng',
      rotate,
    });
    // In default user space the widget is h x w for 90/270.
    const [rw, rh] = rotate === 180 ? [200, 100] : [100, 200];
    const rect: [number, number, number, number] = [200, 300, 200 + rw, 300 + rh];
    const r = saveAndRender(`rotate-${rotate}`, miniPdf(A4, [{ bundle: ap, rect, as: 'widget' }], undefined, rotate));
    expect(r.text).toContain('Đỗ Văn Dũng');
    expect(r.text).toContain('CHỦ TỊCH');
    // Upright: the blue signature is wider than high, with the title's ink above it and the name's below.
    const box = (pred: (p: [number, number, number]) => boolean) => {
      let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
      for (let y = 0; y < r.png.height; y++) {
        for (let x = 0; x < r.png.width; x++) {
          const i = (y * r.png.width + x) * 4;
          if (pred([r.png.data[i]!, r.png.data[i + 1]!, r.png.data[i + 2]!])) {
            x0 = Math.min(x0, x);
            x1 = Math.max(x1, x);
            y0 = Math.min(y0, y);
            y1 = Math.max(y1, y);
          }
        }
      }
      return { x0, y0, x1, y1 };
    };
    const blue = box(isBlue);
    const dark = box(isDark);
    expect(blue.x1 - blue.x0).toBeGreaterThan(2 * (blue.y1 - blue.y0));
    expect(dark.y0).toBeLessThan(blue.y0);
    expect(dark.y1).toBeGreaterThan(blue.y1);
    // Not upside down: the signature's long underline is at the bottom of its ink.
    const band = Math.round((blue.y1 - blue.y0) * 0.2);
    const inRows = (ya: number, yb: number) => {
      let n = 0;
      for (let y = ya; y <= yb; y++)
        for (let x = blue.x0; x <= blue.x1; x++) {
          const i = (y * r.png.width + x) * 4;
          if (isBlue([r.png.data[i]!, r.png.data[i + 1]!, r.png.data[i + 2]!])) n++;
        }
      return n;
    };
    expect(inRows(blue.y1 - band, blue.y1)).toBeGreaterThan(1.5 * inRows(blue.y0, blue.y0 + band));
  });

  it('text block: every Vietnamese letter survives extraction', async () => {
    const all: string[] = [];
    for (let c = 0x1ea0; c <= 0x1ef9; c++) all.push(String.fromCodePoint(c));
    const special = 'Ăă Đđ Ơơ Ưư ằ ẵ ệ ỗ ự';
    const ap = await buildTextBlockAppearance({
      width: 500,
      padding: 4,
      paragraphs: [
        { text: 'Chứng thực bản sao đúng với bản chính', font: 'bold', size: 13, align: 'center' },
        { text: 'Số chứng thực: 15   Quyển số: 01/2026-SCT/BS', size: 12 },
        { text: special, size: 12 },
        { text: all.join(''), size: 12 },
      ],
    });
    const r = saveAndRender('text-block', miniPdf(A4, [{ bundle: ap, rect: [40, 600, 540, 600 + ap.height], as: 'content' }]));
    const flat = r.text.replace(/\s+/g, '');
    expect(r.text).toContain('Chứng thực bản sao đúng với bản chính');
    expect(r.text).toContain('Số chứng thực: 15   Quyển số: 01/2026-SCT/BS'.replace(/ {3}/, ' '));
    expect(r.text).toContain('ằ ẵ ệ ỗ ự');
    expect(r.text).toContain('Ăă Đđ Ơơ Ưư');
    expect(flat).toContain(all.join(''));
    // pdffonts: one embedded Type 0 (CID TrueType) font per style, subset, with ToUnicode.
    const fonts = execFileSync('pdffonts', [r.pdfPath], { encoding: 'utf8' });
    expect(fonts).toMatch(/\+LiberationSerif-Bold\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts).toMatch(/\+LiberationSerif\s+CID TrueType\s+Identity-H\s+yes yes yes/);
  });
});
