import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PDFDocument, PDFRawStream, PDFRef } from 'pdf-lib';
import { registerBundle } from '../../../src/copies/pdf-lib-bundle.js';
import { pdfDict, pdfName, type PdfObjectBundle } from '../../../src/pdf/appearance/model.js';

describe('pdf-lib bundle registration', () => {
  it('a bundle stream is written with its exact bytes and /Length, as pdf-lib writes streams; qpdf reads the file', async () => {
    const data = randomBytes(70_000);
    const bundle: PdfObjectBundle = {
      root: 's',
      objects: [{ id: 's', dict: pdfDict({ Type: pdfName('XObject'), Length: data.length }), stream: data }],
    };
    const doc = await PDFDocument.create();
    doc.addPage();
    const ref = registerBundle(doc.context, bundle);
    const bytes = Buffer.from(await doc.save({ useObjectStreams: false }));
    const file = join(mkdtempSync(join(tmpdir(), 'kyso-bundle-')), 'b.pdf');
    writeFileSync(file, bytes);
    execFileSync('qpdf', ['--check', file]);
    const raw = execFileSync('qpdf', ['--show-object=' + String(ref.objectNumber), '--raw-stream-data', file]);
    expect(Buffer.compare(raw, data)).toBe(0);
    // the written object is exactly "N 0 obj\n<dict>\nstream\n<data>\nendstream\nendobj"
    const header = Buffer.from(`${ref.objectNumber} 0 obj\n`);
    const at = bytes.indexOf(header);
    const dictEnd = bytes.indexOf('\nstream\n', at);
    expect(bytes.subarray(dictEnd + 8, dictEnd + 8 + data.length).equals(data)).toBe(true);
    expect(bytes.subarray(dictEnd + 8 + data.length, dictEnd + 8 + data.length + 17).toString('latin1')).toBe('\nendstream\nendobj');
    const reread = await PDFDocument.load(bytes);
    const stream = reread.context.lookup(PDFRef.of(ref.objectNumber));
    expect(stream).toBeInstanceOf(PDFRawStream);
    expect(Buffer.from((stream as PDFRawStream).getContents()).equals(data)).toBe(true);
  });
});
