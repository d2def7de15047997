/**
 * The per-change hook of the modification diff: annotation and field rules can make a change
 * stricter (never laxer), and see the page number, not the object number.
 */
import { describe, expect, it } from 'vitest';
import { diffAfter, type ChangeEvent } from '../../../src/pdf/verify/diff.js';
import { Budget, DEFAULT_LIMITS } from '../../../src/pdf/verify/limits.js';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { basePdf, signPdf } from '../../integration/verify/helpers.js';
import { appendRevision, readPdf } from '../../attacks/incremental-writer.js';
import { firstPage } from '../../attacks/samples.js';

async function annotated(): Promise<Buffer> {
  const signed = await signPdf(await basePdf({ pages: 1 }), issueSigner(sharedTestCa(), { cn: 'Hook' }), { newFieldName: 'Sig1' });
  const page = firstPage(signed);
  const raw = readPdf(signed);
  const d = raw.object(page.num) as unknown as { start: number; end: number };
  const src = signed.toString('latin1', d.start, d.end);
  const body = src.slice(src.indexOf('<<'), src.lastIndexOf('>>')).replace(/\/Annots\s*\[[^\]]*\]/, '');
  const kept = (page.dict.get('Annots') as { num: number }[] | undefined)?.map((r) => `${r.num} 0 R`).join(' ') ?? '';
  return appendRevision(signed, {
    objects: {
      [page.num]: `${body} /Annots [${kept} 9500 0 R] >>`,
      9500: '<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (note) >>',
    },
  });
}

describe('ChangeClassifier', () => {
  it('sees each new annotation with its page number and can make it "other"', async () => {
    const pdf = readPdf(await annotated());
    const k = pdf.revisions.length - 2;
    const seen: ChangeEvent[] = [];
    const plain = diffAfter(pdf, k, new Budget(DEFAULT_LIMITS));
    expect([plain.annotation, plain.other]).toEqual([true, false]);
    const strict = diffAfter(readPdf(pdf.buf), k, new Budget(DEFAULT_LIMITS), (e) => {
      seen.push(e);
      return e.kind === 'annotation-added' ? { cls: 'other', why: 'covers signed content' } : undefined;
    });
    expect(seen).toContainEqual(
      expect.objectContaining({ kind: 'annotation-added', object: 9500, page: 1, subtype: 'Text', proposed: 'annotation' }),
    );
    expect(strict.other).toBe(true);
    expect(strict.details).toContain('other: new Text annotation on page 1: covers signed content');
  });

  it('cannot make a change laxer', async () => {
    const pdf = readPdf(await annotated());
    const r = diffAfter(pdf, pdf.revisions.length - 2, new Budget(DEFAULT_LIMITS), () => ({ cls: 'extension', why: 'ignored' }));
    expect(r.annotation).toBe(true);
  });
});
