import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../../../src/pdf/syntax/limits.js';
import { compressedObjectOffset, parseObjectStreamHeader } from '../../../../src/pdf/syntax/object-stream.js';
import { PdfRevisions } from '../../../../src/pdf/syntax/revision-reader.js';
import { unlistedObjects } from '../../../../src/pdf/syntax/unlisted-objects.js';
import { appendObjectStreamRevision, appendRaw, appendRevision } from '../../../attacks/incremental-writer.js';
import { minimalPdf } from './build-pdf.js';

const limits = resolveLimits();

describe('object stream header (ISO 32000-1 §7.5.7)', () => {
  it('resolves by the index the xref entry names; a duplicated number is found only at its index', () => {
    const h = parseObjectStreamHeader(Buffer.from('7 0 8 10 7 20 '), 3, limits);
    expect(h.duplicates).toEqual([7]);
    expect(compressedObjectOffset(h, 7, 0)).toBe(0);
    expect(compressedObjectOffset(h, 7, 2)).toBe(20);
    // a wrong index for an ambiguous number finds nothing; for a unique number the number still wins
    expect(compressedObjectOffset(h, 7, 1)).toBeUndefined();
    expect(compressedObjectOffset(h, 8, 0)).toBe(10);
  });

  it('the revision reader reads the copy the index names and records the duplicate with its offset', () => {
    const base = minimalPdf(1);
    const pdf = appendObjectStreamRevision(base, {
      stream: 20,
      members: [
        { num: 9, body: '(first)' },
        { num: 9, body: '(second)' },
      ],
      indexOf: { 9: 1 },
    });
    const r = PdfRevisions.open(pdf);
    expect((r.object(9) as { bytes: Buffer }).bytes.toString()).toBe('second');
    expect(r.recoveries).toContainEqual(expect.objectContaining({ kind: 'objstm-duplicate', object: 9 }));
  });
  it('an old revision reads its compressed objects from the object stream as it was then', () => {
    const v1 = appendObjectStreamRevision(minimalPdf(1), { stream: 20, members: [{ num: 9, body: '(signed)' }], indexOf: { 9: 0 } });
    const v2 = appendObjectStreamRevision(v1, { stream: 20, members: [{ num: 9, body: '(changed)' }], indexOf: {} });
    const r = PdfRevisions.open(v2);
    const text = (rev: number) => (r.object(9, rev) as { bytes: Buffer }).bytes.toString();
    expect([text(1), text(2)]).toEqual(['signed', 'changed']);
  });
});

describe('recoveries and unlisted objects', () => {
  it('a /Prev that points nowhere is a recovery with the offset it names', () => {
    const pdf = appendRevision(minimalPdf(1), { objects: { 9: '(x)' }, prev: 3 });
    const r = PdfRevisions.open(pdf);
    expect(r.recoveries).toContainEqual({ kind: 'prev', offset: 3 });
  });

  it('objects after the final %%EOF and objects no xref lists are found, stream data is not', () => {
    const listed = appendRevision(minimalPdf(1), { objects: { 9: '<< /Length 12 >>\nstream\n5 0 obj (x)\nendstream' } });
    expect(unlistedObjects(PdfRevisions.open(listed), 0)).toEqual([]);
    const after = appendRaw(listed, { 3: '<< /Type /Page >>' });
    const found = unlistedObjects(PdfRevisions.open(after), 0);
    expect(found).toEqual([{ num: 3, offset: listed.length, afterFinalEof: true }]);
    const hidden = appendRevision(listed, { unlisted: { 4: '(hidden)' }, objects: { 10: '(shown)' } });
    expect(unlistedObjects(PdfRevisions.open(hidden), 0).map((u) => [u.num, u.afterFinalEof])).toEqual([[4, false]]);
  });
});
