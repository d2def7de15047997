import { formatNumber as n, type PdfObjectBundle } from './model.js';

/**
 * Painting a form XObject on an existing page (e.g. the certification statement on a copy's last
 * page) without touching the page's own content stream (ISO 32000-1 §7.7.3.3, §8.10).
 *
 * The writer must, in the incremental update:
 * 1. emit the bundle's objects;
 * 2. give the page a /Resources whose /XObject dictionary maps `resourceName` to the root's
 *    object (a changed copy of the page's, or of its indirect resource dictionary, keeping every
 *    existing entry);
 * 3. turn /Contents into an array: [ <stream "q\n"> …existing streams… <stream "Q\n"> <stream `content`> ]
 *    so the page's own graphics state changes cannot leak into the overlay.
 */
export interface PageOverlay {
  readonly resourceName: string;
  /** Uncompressed content stream bytes: `q 1 0 0 1 x y cm /Name Do Q`. */
  readonly content: Buffer;
  /** The stream that saves the graphics state before the existing content. */
  readonly prefix: Buffer;
  /** The stream that restores it after the existing content. */
  readonly suffix: Buffer;
}

export function pageOverlay(form: PdfObjectBundle, at: { x: number; y: number; resourceName?: string }): PageOverlay {
  if (!form.objects.some((o) => o.id === form.root)) throw new TypeError('pageOverlay: bundle without its root');
  const name = at.resourceName ?? 'KysoOverlay1';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new TypeError('pageOverlay: resource name must be plain ASCII');
  return {
    resourceName: name,
    content: Buffer.from(`q 1 0 0 1 ${n(at.x)} ${n(at.y)} cm /${name} Do Q\n`, 'latin1'),
    prefix: Buffer.from('q\n', 'latin1'),
    suffix: Buffer.from('Q\n', 'latin1'),
  };
}

/** Page box as [llx, lly, urx, ury] (MediaBox or CropBox). */
export type PageBox = readonly [number, number, number, number];

/**
 * Rectangle [llx, lly, urx, ury] of size w × h in the top-right corner of a page box, `margin`
 * points from the top and right edges (Decree 30/2020: the electronic copy stamp's place).
 * Unrotated pages only; for /Rotate 90/180/270 the caller maps the rectangle.
 */
export function topRightRect(box: PageBox, w: number, h: number, margin = 20): [number, number, number, number] {
  const urx = box[2] - margin;
  const ury = box[3] - margin;
  return [urx - w, ury - h, urx, ury];
}
