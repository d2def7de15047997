/**
 * The covering tolerance of src/pdf/verify/content-cover.ts on hand-made page geometry: more than
 * 5 % of the smaller of the two areas counts, grazing does not, painted paths never count, and a
 * signed revision pdf.js cannot read counts as covered.
 */
import { describe, expect, it } from 'vitest';
import type { PageGeometry } from '../../../src/pdf/content/page-geometry.js';
import { coveredBy, coveredContent } from '../../../src/pdf/verify/content-cover.js';
import type { DrawnChange } from '../../../src/pdf/verify/later-drawing.js';

const A4 = { x0: 0, y0: 0, x1: 595, y1: 842 };
const line = { x0: 50, y0: 776.5, x1: 210, y1: 794, text: 'Result page 1: approved' };
const page = (over: Partial<PageGeometry> = {}): PageGeometry => ({ pageIndex: 0, box: A4, text: [line], images: [], paths: [], ...over });

describe('coveredBy', () => {
  it('a box over a word of the line covers the line', () => {
    expect(coveredBy({ x0: 60, y0: 778, x1: 100, y1: 792 }, page())).toEqual({ kind: 'text', text: 'Result page 1: approved' });
  });

  it('a box that only grazes the descender band does not (0.5 pt of overlap)', () => {
    expect(coveredBy({ x0: 50, y0: 700, x1: 210, y1: 777 }, page())).toBeUndefined();
  });

  it('just above the tolerance it does (a tenth of the line height)', () => {
    expect(coveredBy({ x0: 50, y0: 700, x1: 210, y1: 778.5 }, page())).toEqual(expect.objectContaining({ kind: 'text' }));
  });

  it('a small box on a scanned page image covers it; touching an image border does not', () => {
    expect(coveredBy({ x0: 100, y0: 100, x1: 120, y1: 120 }, page({ text: [], images: [A4] }))).toEqual({ kind: 'image' });
    const picture = { x0: 300, y0: 300, x1: 400, y1: 400 };
    expect(coveredBy({ x0: 399, y0: 399, x1: 500, y1: 500 }, page({ text: [], images: [picture] }))).toBeUndefined();
  });

  it('painted paths (frames, table rules, underlines) never count', () => {
    expect(
      coveredBy({ x0: 100, y0: 100, x1: 300, y1: 160 }, page({ text: [], paths: [A4, { x0: 100, y0: 120, x1: 300, y1: 121 }] })),
    ).toBeUndefined();
  });

  it('only the part on the page counts; an unbounded box is the whole page', () => {
    expect(coveredBy({ x0: -500, y0: -500, x1: -10, y1: 900 }, page())).toBeUndefined();
    expect(coveredBy({ x0: -Infinity, y0: -Infinity, x1: Infinity, y1: Infinity }, page())).toEqual(
      expect.objectContaining({ kind: 'text' }),
    );
  });
});

describe('coveredContent', () => {
  const change = (over: Partial<DrawnChange> = {}): DrawnChange => ({
    annot: 10,
    pageIndex: 0,
    box: { x0: 60, y0: 778, x1: 100, y1: 792 },
    subtype: 'FreeText',
    added: true,
    field: undefined,
    drawsNothing: false,
    ...over,
  });

  it('a signed revision pdf.js cannot interpret counts as covered; changes that draw nothing are not looked at', async () => {
    const garbage = Buffer.from('%PDF-1.7\nthis is not a PDF body\n');
    expect(await coveredContent(garbage, [change()])).toEqual([{ change: change(), covered: { kind: 'unreadable' } }]);
    expect(await coveredContent(garbage, [change({ drawsNothing: true })])).toEqual([]);
  });
});
