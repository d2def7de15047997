import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIndividualAppearance, buildOrganizationAppearance } from '../../../src/pdf/appearance/index.js';
import { preparePdfSignature } from '../../../src/pdf/sign/prepare.js';
import { countPixels, isBlue, isRed, saveAndRender } from './render-helpers.js';

/**
 * Hand-off check with the real append-only writer (src/pdf/sign → emitBundle): two visible
 * signature widgets added in two incremental updates to the example result PDF render with their
 * images and Vietnamese text. (The CMS is a dummy: this test is about the appearance objects.)
 */
describe('appearance bundles through the incremental writer', () => {
  it('individual then organization seal, each in its own update', async () => {
    const original = readFileSync(join(process.cwd(), 'examples/quyet-dinh.pdf'));
    const time = new Date('2026-11-26T02:30:00Z');
    const ind = await buildIndividualAppearance({
      // Under the document's own "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" lines: image, name, time.
      width: 180,
      height: 110,
      signatureImage: readFileSync(join(process.cwd(), 'assets/samples/sample-signature-blue.png')),
      signerName: 'Nguyễn Văn An',
      signingTime: time,
    });
    const indRect: [number, number, number, number] = [370, 200, 550, 310];
    const p1 = preparePdfSignature(original, {
      newFieldName: 'ChuTich',
      page: 1,
      rect: indRect,
      appearance: ind,
      signingTime: time,
      placeholderSize: 4096,
    });
    const once = p1.embed(Buffer.from([0x30, 0x00]));
    const seal = await buildOrganizationAppearance({
      width: 85,
      height: 85,
      sealImage: readFileSync(join(process.cwd(), 'assets/samples/sample-seal-red.png')),
      organizationName: 'Ủy ban nhân dân tỉnh Quảng Ninh',
      signingTime: time,
      sealSize: 85,
      showText: false,
    });
    // The seal over the left third of the signature image.
    const sealRect: [number, number, number, number] = [345, 220, 430, 305];
    const p2 = preparePdfSignature(once, {
      newFieldName: 'DauCoQuan',
      page: 1,
      rect: sealRect,
      appearance: seal,
      signingTime: time,
      placeholderSize: 4096,
    });
    const twice = p2.embed(Buffer.from([0x30, 0x00]));
    expect(twice.subarray(0, original.length).equals(original)).toBe(true);
    expect(twice.subarray(0, once.length).equals(once)).toBe(true);

    const r = saveAndRender('with-incremental-writer', twice);
    execFileSync('qpdf', ['--check', r.pdfPath], { stdio: 'pipe' });
    expect(r.text).toContain('Nguyễn Văn An');
    expect(r.text).toContain('09:30:00 +07:00');
    const box = execFileSync('pdfinfo', [r.pdfPath], { encoding: 'utf8' }).match(/Page size:\s+([\d.]+) x ([\d.]+)/)!;
    const pageH = Number(box[2]);
    expect(countPixels(r.png, sealRect, pageH, isRed).hits).toBeGreaterThan(500);
    expect(countPixels(r.png, indRect, pageH, isBlue).hits).toBeGreaterThan(200);
  });
});
