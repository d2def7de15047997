import type { LoadedFont } from './fonts.js';
import { deflateContent } from './content-deflate.js';
import { FontSubset } from './font-subset.js';
import { decodeImageCached, imageObjects, type DecodedImage } from './images.js';
import { visibleBounds } from './visible-bounds.js';
import { formatNumber as n, pdfDict, pdfName, pdfRef, type Appearance, type PdfObjectSpec, type PdfValue } from './model.js';
import { layoutBlock, resolveFont, type BlockLayout, type BlockOptions, type Paragraph, type Rgb } from './text-layout.js';
import type { FontStyle } from './fonts.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type ImageInput = Buffer | DecodedImage;

/** A page's /Rotate (ISO 32000-1 §7.7.3.3 Table 30), clockwise when displayed. */
export type PageRotation = 0 | 90 | 180 | 270;

/**
 * §8.10.1 form /Matrix that compensates a page rotation: the page is shown turned clockwise, so
 * the content is turned counter-clockwise by the same angle, then moved back into the positive
 * quadrant so the transformed box starts at the origin.
 */
export function rotationMatrix(rotate: PageRotation, w: number, h: number): number[] {
  switch (rotate) {
    case 0:
      return [1, 0, 0, 1, 0, 0];
    case 90:
      return [0, 1, -1, 0, h, 0];
    case 180:
      return [-1, 0, 0, -1, w, h];
    case 270:
      return [0, -1, 1, 0, 0, w];
  }
}

/** The rectangle an image of w × h pixels occupies when fitted into `rect` keeping its aspect ratio. */
export function containRect(w: number, h: number, rect: Rect, align: 'left' | 'center' | 'right' = 'center'): Rect {
  const s = Math.min(rect.width / w, rect.height / h);
  const width = w * s;
  const height = h * s;
  const x = align === 'left' ? rect.x : align === 'right' ? rect.x + rect.width - width : rect.x + (rect.width - width) / 2;
  return { x, y: rect.y + (rect.height - height) / 2, width, height };
}

/**
 * Draws text and images into one form XObject (ISO 32000-1 §8.10) whose /BBox is [0 0 w h].
 * Fonts are subset to the glyphs drawn; each image is embedded once however often it is drawn.
 * `finish()` returns the bundle the incremental writer emits (see model.ts).
 */
export class AppearanceCanvas {
  private readonly ops: string[] = [];
  private readonly fonts = new Map<LoadedFont, { res: string; subset: FontSubset }>();
  private readonly images = new Map<DecodedImage, { res: string; id: string }>();
  private finished = false;

  /**
   * @param width, height the box as the reader sees it (upright), in points
   * @param rotate the page's /Rotate: the form gets a /Matrix that turns it back upright, and its
   *   transformed box is [0 0 h w] for 90/270 (so a widget /Rect or an overlay is h wide, w high
   *   in default user space)
   */
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly idPrefix = '',
    readonly rotate: PageRotation = 0,
  ) {
    if (!(width > 0 && height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) {
      throw new TypeError('AppearanceCanvas: width and height must be positive numbers');
    }
    if (![0, 90, 180, 270].includes(rotate)) throw new TypeError('AppearanceCanvas: rotate must be 0, 90, 180 or 270');
  }

  /** One line of text with its baseline's left end at (x, y). */
  text(text: string, x: number, y: number, font: FontStyle | LoadedFont, size: number, color: Rgb = [0, 0, 0]): void {
    const f = resolveFont(font);
    const entry = this.fontEntry(f);
    const codes = entry.subset.encode(text);
    if (codes.length === 0) return;
    this.ops.push(`BT ${rgb(color)} rg /${entry.res} ${n(size)} Tf 1 0 0 1 ${n(x)} ${n(y)} Tm <${codes.toString('hex')}> Tj ET`);
  }

  /**
   * Puts the glyphs of `characters` into the font's subset without drawing them: a canvas that
   * always prepares the same set gets the same subset, whose font program is then built once and
   * reused from the subset cache (font-subset.ts) whatever text is drawn within that set.
   */
  prepareGlyphs(font: FontStyle | LoadedFont, characters: string): void {
    this.fontEntry(resolveFont(font)).subset.include(characters);
  }

  /** Lays out paragraphs inside `rect` (shrinking them to fit when rect.height is set) and draws them. */
  textBlock(
    paragraphs: readonly Paragraph[],
    rect: { x: number; y: number; width: number; height?: number },
    opts: Omit<BlockOptions, 'width' | 'height'> = {},
  ): BlockLayout {
    const layout = layoutBlock(paragraphs, { ...opts, width: rect.width, ...(rect.height !== undefined ? { height: rect.height } : {}) });
    for (const l of layout.lines) this.text(l.text, rect.x + l.x, rect.y + l.y, l.font, l.size, l.color);
    return layout;
  }

  /**
   * Draws an image into `rect`: 'contain' keeps the aspect ratio (centred unless align says
   * otherwise), 'fill' stretches. Returns the rectangle actually painted.
   */
  image(input: ImageInput, rect: Rect, fit: 'contain' | 'fill' = 'contain', align: 'left' | 'center' | 'right' = 'center'): Rect {
    const img = Buffer.isBuffer(input) ? decodeImageCached(input) : input;
    let entry = this.images.get(img);
    if (!entry) {
      const k = this.images.size + 1;
      entry = { res: `Im${k}`, id: `${this.idPrefix}img${k}` };
      this.images.set(img, entry);
    }
    const { x, y, width: w, height: h } = fit === 'contain' ? containRect(img.width, img.height, rect, align) : rect;
    this.ops.push(`q ${n(w)} 0 0 ${n(h)} ${n(x)} ${n(y)} cm /${entry.res} Do Q`);
    return { x, y, width: w, height: h };
  }

  /**
   * Draws an image so that its visible part (non-transparent pixels, see visible-bounds.ts) fills
   * `rect` keeping its aspect ratio, centred: a seal's ink is then exactly as wide as asked.
   * Returns the rectangle the visible part occupies.
   */
  imageVisiblePart(input: ImageInput, rect: Rect): Rect {
    const img = Buffer.isBuffer(input) ? decodeImageCached(input) : input;
    const v = visibleBounds(img);
    const s = Math.min(rect.width / v.width, rect.height / v.height);
    const vw = v.width * s;
    const vh = v.height * s;
    const vx = rect.x + (rect.width - vw) / 2;
    const vy = rect.y + (rect.height - vh) / 2;
    // Image rows run top to bottom; PDF y runs upwards (§8.9.5: the unit square maps top row at y = 1).
    const full: Rect = { x: vx - v.left * s, y: vy - (img.height - v.top - v.height) * s, width: img.width * s, height: img.height * s };
    this.image(img, full, 'fill');
    return { x: vx, y: vy, width: vw, height: vh };
  }

  fillRect(rect: Rect, color: Rgb = [0, 0, 0]): void {
    this.fillRects([rect], color);
  }

  /** Fills several rectangles as one path (one `f`): no seams between touching ones, a short stream. */
  fillRects(rects: readonly Rect[], color: Rgb = [0, 0, 0]): void {
    if (rects.length === 0) return;
    let path = '';
    for (const r of rects) path += `${n(r.x)} ${n(r.y)} ${n(r.width)} ${n(r.height)} re `;
    this.ops.push(`${rgb(color)} rg ${path}f`);
  }

  /**
   * Fills rectangles given in the units of a grid whose unit is `scale` points and whose origin is
   * at (x, y), as one path under one `cm` (ISO 32000-1 §8.4.4): a grid drawing (a QR code's
   * hundreds of module runs) is then written in small integers instead of one rounded real per
   * coordinate — a shorter stream, faster to write and to compress.
   */
  fillRectsScaled(rects: readonly Rect[], scale: number, x: number, y: number, color: Rgb = [0, 0, 0]): void {
    if (rects.length === 0) return;
    let path = '';
    for (const r of rects) path += `${n(r.x)} ${n(r.y)} ${n(r.width)} ${n(r.height)} re `;
    this.ops.push(`q ${n(scale)} 0 0 ${n(scale)} ${n(x)} ${n(y)} cm ${rgb(color)} rg ${path}f Q`);
  }

  line(x1: number, y1: number, x2: number, y2: number, lineWidth = 0.5, color: Rgb = [0, 0, 0]): void {
    this.ops.push(`${rgb(color)} RG ${n(lineWidth)} w ${n(x1)} ${n(y1)} m ${n(x2)} ${n(y2)} l S`);
  }

  /** The raw content stream so far (uncompressed), for tests and debugging. */
  contentText(): string {
    return this.ops.join('\n');
  }

  /** Same as finishSync; kept async so callers need not change if a step ever becomes async. */
  async finish(): Promise<Appearance> {
    return this.finishSync();
  }

  finishSync(): Appearance {
    if (this.finished) throw new TypeError('AppearanceCanvas.finish called twice');
    this.finished = true;
    const objects: PdfObjectSpec[] = [];
    const fontRes: Record<string, PdfValue> = {};
    for (const { res, subset } of this.fonts.values()) {
      if (!subset.used) continue;
      objects.push(...subset.build());
      fontRes[res] = pdfRef(subset.fontId);
    }
    const xobjRes: Record<string, PdfValue> = {};
    for (const [img, { res, id }] of this.images) {
      objects.push(...imageObjects(img, id));
      xobjRes[res] = pdfRef(id);
    }
    const resources: Record<string, PdfValue> = {};
    if (Object.keys(fontRes).length) resources['Font'] = pdfDict(fontRes);
    if (Object.keys(xobjRes).length) resources['XObject'] = pdfDict(xobjRes);
    const content = deflateContent(Buffer.from(`q\n${this.ops.join('\n')}\nQ\n`, 'latin1'));
    const rootId = `${this.idPrefix}form`;
    objects.push({
      id: rootId,
      dict: pdfDict({
        Type: pdfName('XObject'),
        Subtype: pdfName('Form'),
        FormType: 1,
        BBox: [0, 0, this.width, this.height],
        Matrix: rotationMatrix(this.rotate, this.width, this.height),
        Resources: pdfDict(resources),
        Filter: pdfName('FlateDecode'),
        Length: content.length,
      }),
      stream: content,
    });
    return { objects, root: rootId, width: this.width, height: this.height };
  }

  private fontEntry(f: LoadedFont): { res: string; subset: FontSubset } {
    let e = this.fonts.get(f);
    if (!e) {
      const k = this.fonts.size + 1;
      e = { res: `F${k}`, subset: new FontSubset(f, `${this.idPrefix}font${k}`) };
      this.fonts.set(f, e);
    }
    return e;
  }
}

function rgb(c: Rgb): string {
  return c.map((v) => n(Math.min(1, Math.max(0, v)))).join(' ');
}
