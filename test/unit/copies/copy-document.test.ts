import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import { buildCopyDocument, AUTHORITY_FIELD, CERTIFIER_FIELD } from '../../../src/copies/copy-document.js';
import type { StatementInput } from '../../../src/copies/statement.js';
import { certificationFee } from '../../../src/copies/fee.js';

const fonts = {
  regular: readFileSync('assets/fonts/LiberationSerif-Regular.ttf'),
  bold: readFileSync('assets/fonts/LiberationSerif-Bold.ttf'),
};

/** `pages` pages; the last one's text runs down to `lastLowestY` (a full page by default). */
async function original(pages: number, lastLowestY = 60): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`Original page ${i + 1}`, { x: 72, y: 760, size: 18 });
    const lowest = i === pages - 1 ? lastLowestY : 60;
    for (let y = 730; y >= lowest; y -= 20) page.drawText(`line at ${y}`, { x: 72, y, size: 12 });
  }
  return Buffer.from(await doc.save());
}

const url = 'http://127.0.0.1:3000/tra-cuu?code=7K3M-Q9TX-2B4';
const statement: StatementInput = {
  number: 5,
  volume: 1,
  year: 2026,
  registerType: 'SCT/BS',
  certifiedAt: new Date('2026-11-26T03:00:00Z'),
  documentType: 'Giấy khai sinh',
  documentTitle: 'Bản chính số 123/2001',
  documentIssuer: 'UBND xã Hạ Long',
  originalPages: 2,
  copies: 2,
  fee: certificationFee(2, 2),
  certifierName: 'Trần Thị Bích Ngọc',
  certifierTitle: 'Công chức Tư pháp - Hộ tịch',
  authorityName: 'Ủy ban nhân dân xã Hạ Long',
  lookupCode: '7K3M-Q9TX-2B4',
  lookupUrl: url,
};
const stamps = { sealDiameterMm: 36, hasSealImage: true, signatureImageSize: { width: 300, height: 110 } };

describe('certified copy document', () => {
  it('ok/keeps the original pages, adds a statement page with Vietnamese text, a readable QR code and two empty signature fields', async () => {
    const built = await buildCopyDocument({ original: await original(2), statement, fonts, lookupUrl: url, stamps });
    const dir = mkdtempSync(join(tmpdir(), 'kyso-copy-'));
    const file = join(dir, 'copy.pdf');
    writeFileSync(file, built.pdf);
    expect(built.layout).toMatchObject({ statementPage: 3, copyPages: 3, onAddedPage: true });

    execFileSync('qpdf', ['--check', file]);
    const all = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(all).toContain('Original page 1');
    expect(all).toContain('Original page 2');
    const last = execFileSync('pdftotext', ['-f', '3', '-l', '3', file, '-'], { encoding: 'utf8' }).normalize('NFC');
    for (const s of [
      'CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH',
      'Số chứng thực: 05',
      'Quyển số: 01/2026-SCT/BS',
      'Bản sao gồm 3 trang, trong đó trang 3 là trang lời chứng được thêm vào.',
      'Ngày 26 tháng 11 năm 2026',
      'hai nghìn không trăm hai mươi sáu',
      'NGƯỜI THỰC HIỆN CHỨNG THỰC',
      'Lệ phí: 4.000 đồng/bản, tổng 8.000 đồng',
      'Mã tra cứu: 7K3M-Q9TX-2B4',
    ]) {
      expect(last).toContain(s);
    }
    // No form instruction on the finished copy; the certifier's name comes once, from the signature stamp.
    expect(last).not.toContain('(Ký, ghi rõ');
    expect(last).not.toContain('Trần Thị Bích Ngọc');

    execFileSync('pdftoppm', ['-f', '3', '-l', '3', '-r', '150', '-png', '-singlefile', file, join(dir, 'page')]);
    const png = PNG.sync.read(readFileSync(join(dir, 'page.png')));
    // jsqr is CommonJS with a default export: under NodeNext it arrives as the module object.
    const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
      d: Uint8ClampedArray,
      w: number,
      h: number,
    ) => { data: string } | null;
    const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(qr?.data).toBe(url);

    const doc = await PDFDocument.load(built.pdf);
    const names = doc
      .getForm()
      .getFields()
      .map((f) => f.getName());
    expect(names).toEqual([CERTIFIER_FIELD, AUTHORITY_FIELD]);
  });

  it('ok/the statement goes under the content of the last page when the free band holds it, and says so', async () => {
    const built = await buildCopyDocument({ original: await original(2, 450), statement, fonts, lookupUrl: url, stamps });
    expect(built.layout).toMatchObject({ statementPage: 2, copyPages: 2, onAddedPage: false });
    const dir = mkdtempSync(join(tmpdir(), 'kyso-copy-'));
    const file = join(dir, 'copy.pdf');
    writeFileSync(file, built.pdf);
    const doc = await PDFDocument.load(built.pdf);
    expect(doc.getPageCount()).toBe(2);
    const p2 = execFileSync('pdftotext', ['-f', '2', '-l', '2', file, '-'], { encoding: 'utf8' }).normalize('NFC');
    expect(p2).toContain('line at 450');
    expect(p2).toContain('Bản sao gồm 2 trang; lời chứng ở cuối trang 2.');
    expect(p2).toContain('trang 2/2');
    // Everything of the statement (the fields included) is below the original's content.
    expect(built.layout.certifierRect[1] + built.layout.certifierRect[3]).toBeLessThan(450);
    expect(built.layout.authorityRect[1] + built.layout.authorityRect[3]).toBeLessThan(450);
    const p1 = execFileSync('pdftotext', ['-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' }).normalize('NFC');
    expect(p1).toContain('trang 1/2');
  });

  it('ok/a single-page copy carries no page mark', async () => {
    const built = await buildCopyDocument({ original: await original(1, 500), statement, fonts, lookupUrl: url, stamps });
    expect(built.layout).toMatchObject({ statementPage: 1, copyPages: 1, onAddedPage: false });
    const dir = mkdtempSync(join(tmpdir(), 'kyso-copy-'));
    const file = join(dir, 'copy.pdf');
    writeFileSync(file, built.pdf);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).normalize('NFC');
    expect(text).toContain('Bản sao gồm 1 trang; lời chứng ở cuối trang 1.');
    expect(text).not.toContain('trang 1/1');
  });

  it('ok/a form field low on the last page is kept clear: the statement takes an added page', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    page.drawText('Original with a form field at its foot', { x: 72, y: 760, size: 14 });
    doc.getForm().createTextField('ghi_chu').addToPage(page, { x: 72, y: 80, width: 300, height: 30 });
    const built = await buildCopyDocument({ original: Buffer.from(await doc.save()), statement, fonts, lookupUrl: url, stamps });
    expect(built.layout).toMatchObject({ statementPage: 2, copyPages: 2, onAddedPage: true });
  });

  it('ok/text outside the prepared Vietnamese set is still drawn and extractable (its glyphs join the subset); NFD input comes out NFC', async () => {
    const odd = { ...statement, documentTitle: 'Giấy tờ của Jürgen Ødegård, Peña', documentIssuer: 'UBND xã Hạ Long'.normalize('NFD') };
    const built = await buildCopyDocument({ original: await original(1, 500), statement: odd, fonts, lookupUrl: url, stamps });
    const dir = mkdtempSync(join(tmpdir(), 'kyso-copy-'));
    const file = join(dir, 'copy.pdf');
    writeFileSync(file, built.pdf);
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).normalize('NFC');
    expect(text).toContain('Jürgen Ødegård, Peña');
    expect(text).toContain('do UBND xã Hạ Long cấp');
    // Every font of the statement is embedded (no reader substitutes another font for the new glyphs).
    const fontsList = execFileSync('pdffonts', [file], { encoding: 'utf8' });
    for (const line of fontsList.split('\n').filter((l) => l.includes('LiberationSerif'))) expect(line).toMatch(/ yes yes yes /);
  });
});
