import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { FakeClock } from '../../../../src/core/clock.js';
import { digestByteRange, embedCms, pdfDate, preparePdfSignature } from '../../../../src/pdf/sign/index.js';
import { PdfDict, PdfDocument, PdfString, formFields } from '../../../../src/pdf/syntax/index.js';
import { minimalPdf } from '../syntax/build-pdf.js';

describe('preparePdfSignature: placeholder, byte range, digest, embed', () => {
  it('byte range covers everything but the /Contents hex string, and ends at the end of the file', () => {
    const input = minimalPdf(2);
    const p = preparePdfSignature(input, {
      placeholderSize: 1000,
      clock: new FakeClock('2026-03-04T05:06:07Z'),
      timeZoneOffsetMinutes: 420,
      reason: 'Duyệt',
      page: 2,
    });
    const full = p.toBuffer();
    const [a, b, c, d] = p.byteRange;
    expect(a).toBe(0);
    expect(c + d).toBe(full.length);
    expect(full[b]).toBe(0x3c);
    expect(full[c - 1]).toBe(0x3e);
    expect(c - b).toBe(2 + 2 * 1000);
    expect(full.subarray(0, input.length).equals(input)).toBe(true);
    // the patched /ByteRange text equals the numbers used
    expect(full.toString('latin1')).toMatch(new RegExp(`/ByteRange \\[0 ${b} ${c} ${d} *\\]`));
    const expected = createHash('sha256').update(full.subarray(0, b)).update(full.subarray(c)).digest();
    expect(p.digest('sha256')).toEqual(expected);
    expect(digestByteRange(full, p.byteRange, 'sha256')).toEqual(expected);
    const doc = PdfDocument.open(full);
    const f = formFields(doc).find((x) => x.name === p.fieldName)!;
    const sig = doc.resolve(f.value) as PdfDict;
    expect((sig.get('M') as PdfString).text()).toBe(pdfDate(new Date('2026-03-04T05:06:07Z'), 420));
    expect((sig.get('M') as PdfString).text()).toBe("D:20260304120607+07'00'");
    expect((sig.get('Reason') as PdfString).text()).toBe('Duyệt');
    expect(f.widgets[0]!.dict.get('P')).toEqual(
      doc.resolve(doc.catalog.get('Pages')) && (doc.getDict(doc.catalog, 'Pages')!.get('Kids') as unknown[])[1],
    );
  });

  it('embed writes hex + zero padding; embedCms on the stored prepared bytes gives the same file', () => {
    const input = minimalPdf(1);
    const p = preparePdfSignature(input, { placeholderSize: 64, signingTime: new Date(0), id: Buffer.alloc(16) });
    const stored = p.toBuffer();
    const cms = Buffer.from('3003020101', 'hex');
    const out = p.embed(cms);
    expect(out.toString('latin1', p.byteRange[1], p.byteRange[2])).toBe(`<3003020101${'0'.repeat(128 - 10)}>`);
    expect(embedCms(stored, p.byteRange, cms).equals(out)).toBe(true);
    expect(() => p.embed(Buffer.alloc(65))).toThrow(expect.objectContaining({ code: 'PLACEHOLDER_OVERFLOW' }));
  });

  it('a small file is prepared as one buffer: embed hands it out without copying; a large upload is never copied by embedChunks', () => {
    const input = minimalPdf(1);
    // a placeholder large enough that no buffer here comes from Node's shared pool of small buffers
    const p = preparePdfSignature(input, { placeholderSize: 8192, signingTime: new Date(0), id: Buffer.alloc(16) });
    const stored = p.toBuffer();
    const cms = Buffer.from('3003020101', 'hex');
    const [original, tail] = p.embedChunks(cms);
    const out = p.embed(cms);
    expect(out.equals(Buffer.concat([original!, tail!]))).toBe(true);
    expect(out.equals(embedCms(stored, p.byteRange, cms))).toBe(true);
    // the same memory as the prepared update: no joined copy
    expect(out.buffer).toBe(tail!.buffer);
    expect(out.byteOffset + out.length).toBe(tail!.byteOffset + tail!.length);
    expect(original!.buffer).toBe(tail!.buffer);
    // Beyond 1 MiB the input stays where it is: embedChunks returns the upload itself.
    const padding = Buffer.alloc(1024 * 1024 + 1, 0x20);
    const large = Buffer.concat([input.subarray(0, 9), Buffer.from('%'), padding, Buffer.from('\n'), input.subarray(9)]);
    const q = preparePdfSignature(large, { placeholderSize: 64, signingTime: new Date(0) });
    const [first] = q.embedChunks(cms);
    expect(first!.buffer).toBe(large.buffer);
    expect(first!.byteOffset).toBe(large.byteOffset);
  });

  it('document timestamps: /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161, no /M', () => {
    const p = preparePdfSignature(minimalPdf(1), { subFilter: 'ETSI.RFC3161', placeholderSize: 128 });
    const doc = PdfDocument.open(p.toBuffer());
    const sig = doc.getObject(p.signatureRef.num) as PdfDict;
    expect(sig.getName('Type')).toBe('DocTimeStamp');
    expect(sig.getName('SubFilter')).toBe('ETSI.RFC3161');
    expect(sig.has('M')).toBe(false);
  });

  it('bad arguments are TypeErrors; unknown pages are PDF_PAGE_OUT_OF_RANGE', () => {
    expect(() => preparePdfSignature(minimalPdf(1), { placeholderSize: 3 })).toThrow(TypeError);
    expect(() => preparePdfSignature(minimalPdf(1), { page: 5 })).toThrow(expect.objectContaining({ code: 'PDF_PAGE_OUT_OF_RANGE' }));
    expect(() => preparePdfSignature(Buffer.from('%!PS'), {})).toThrow(expect.objectContaining({ code: 'PDF_NOT_PDF' }));
  });

  it('fuzz: corrupted inputs are prepared or refused with an AppError, never crash', () => {
    const seed = minimalPdf(2);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }), (edits) => {
        const b = Buffer.from(seed);
        for (const [pos, v] of edits) b[pos % b.length] = v;
        try {
          const p = preparePdfSignature(b, { placeholderSize: 64 });
          expect(p.toBuffer().subarray(0, b.length).equals(b)).toBe(true);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
