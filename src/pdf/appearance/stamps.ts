import { AppearanceCanvas, type ImageInput, type PageRotation, type Rect } from './canvas.js';
import type { Appearance } from './model.js';
import { layoutBlock, type Align, type BlockLayout, type Paragraph, type Rgb, type VerticalAlign } from './text-layout.js';
import { formatVietnamTime, type TimeFormatter } from '../../core/vietnam-time.js';

/**
 * Visible signature appearances per Decree 30/2020/NĐ-CP Appendix I (docs/domain.md):
 * - individual: the signature image between the title line(s) and the signer's name;
 * - organization: the red seal over the left third, the organization's name and the signing
 *   time `dd/mm/yyyy hh:mm:ss +07:00` (Vietnam time);
 * - electronic copy: text only (form of copy, copying organization, time), Times New Roman
 *   (here the metric-compatible Liberation Serif) 10 pt, regular, black; placed top right of page 1
 *   by the caller.
 * All sizes are in PDF points; the appearance's /BBox is [0 0 width height].
 */

const BLACK: Rgb = [0, 0, 0];

interface Common {
  width: number;
  height: number;
  /** Prefix for the bundle's symbolic ids when several bundles must not collide. */
  idPrefix?: string;
  /** Renders the signing time; default `dd/mm/yyyy hh:mm:ss +07:00` in Vietnam time. */
  formatTime?: TimeFormatter;
  /** The target page's /Rotate, so the stamp reads upright (see AppearanceCanvas). */
  rotate?: PageRotation;
}

export interface IndividualStampInput extends Common {
  /** Title line(s), e.g. "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"; drawn bold, centred, at the top. */
  title?: string;
  /** The signature image (blue PNG with transparent background, or JPEG). */
  signatureImage?: ImageInput;
  /** Full name, drawn bold, centred, under the image. */
  signerName?: string;
  /** When given, a small line "<timeLabel><time>" under the name. */
  signingTime?: Date;
  timeLabel?: string;
  titleSize?: number;
  nameSize?: number;
}

const PAD = 2;

export async function buildIndividualAppearance(i: IndividualStampInput): Promise<Appearance> {
  const c = new AppearanceCanvas(i.width, i.height, i.idPrefix, i.rotate);
  const inner = { x: PAD, y: PAD, width: i.width - 2 * PAD, height: i.height - 2 * PAD };
  const top: Paragraph[] = i.title ? [{ text: i.title, font: 'bold', size: i.titleSize ?? 11, align: 'center' }] : [];
  const bottom: Paragraph[] = [];
  if (i.signerName) bottom.push({ text: i.signerName, font: 'bold', size: i.nameSize ?? 11, align: 'center' });
  if (i.signingTime) {
    const fmt = i.formatTime ?? formatVietnamTime;
    bottom.push({ text: `${i.timeLabel ?? 'Thời gian ký: '}${fmt(i.signingTime)}`, size: 8, align: 'center', spaceBefore: 1 });
  }
  // Text may take at most 70 % of the height when there is an image, all of it otherwise.
  const budget = inner.height * (i.signatureImage ? 0.7 : 1);
  const topH = top.length ? layoutBlock(top, { width: inner.width }).contentHeight : 0;
  const bottomH = bottom.length ? layoutBlock(bottom, { width: inner.width }).contentHeight : 0;
  const scale = topH + bottomH > budget ? budget / (topH + bottomH) : 1;
  const topBox = topH * scale;
  const bottomBox = bottomH * scale;
  if (top.length) c.textBlock(top, { x: inner.x, y: inner.y + inner.height - topBox, width: inner.width, height: topBox });
  if (bottom.length) c.textBlock(bottom, { x: inner.x, y: inner.y, width: inner.width, height: bottomBox });
  if (i.signatureImage) {
    const h = inner.height - topBox - bottomBox;
    c.image(i.signatureImage, { x: inner.x, y: inner.y + bottomBox, width: inner.width, height: h });
  }
  return c.finish();
}

export interface OrganizationStampInput extends Common {
  /** The seal image (red PNG, transparent background). */
  sealImage: ImageInput;
  organizationName: string;
  signingTime: Date;
  /** Seal diameter in points ("real size"); default min(height, width / 3), or the whole box without text. */
  sealSize?: number;
  /** Label before the organization's name; default "Ký bởi: ". */
  signerLabel?: string;
  timeLabel?: string;
  textColor?: Rgb;
  textSize?: number;
  /**
   * Draw the name and time right of the seal (default). Decree 30 only requires the seal image;
   * false gives a seal-only stamp for laying over the individual's signature.
   */
  showText?: boolean;
}

/** The seal sits on the left third of the box; the text fills the rest to its right. */
export async function buildOrganizationAppearance(o: OrganizationStampInput): Promise<Appearance> {
  const c = new AppearanceCanvas(o.width, o.height, o.idPrefix, o.rotate);
  const fallback = o.showText === false ? Math.min(o.width, o.height) : Math.min(o.height, o.width / 3);
  const seal = Math.min(o.sealSize ?? fallback, o.height, o.width);
  c.image(o.sealImage, { x: 0, y: (o.height - seal) / 2, width: seal, height: seal }, 'contain', 'left');
  if (o.showText === false) return c.finish();
  const fmt = o.formatTime ?? formatVietnamTime;
  const color = o.textColor ?? BLACK;
  const size = o.textSize ?? 10;
  const textX = Math.min(seal + 4, o.width * 0.9);
  const paragraphs: Paragraph[] = [
    { text: `${o.signerLabel ?? 'Ký bởi: '}${o.organizationName}`, font: 'bold', size, color },
    { text: `${o.timeLabel ?? 'Thời gian ký: '}${fmt(o.signingTime)}`, size, color, spaceBefore: 2 },
  ];
  c.textBlock(paragraphs, { x: textX, y: PAD, width: o.width - textX - PAD, height: o.height - 2 * PAD }, { verticalAlign: 'middle' });
  return c.finish();
}

export interface ElectronicCopyStampInput extends Common {
  /** Form of copy: "SAO Y", "SAO LỤC" or "TRÍCH SAO". */
  copyForm: string;
  /** The copying organization. */
  organizationName: string;
  signingTime: Date;
  /** Label before the time; default none (the line is just the time). */
  timeLabel?: string;
  align?: Align;
}

/** Decree 30/2020 Appendix I: Times New Roman 10, regular, upright, black; shrinks only if it cannot fit. */
export async function buildElectronicCopyAppearance(e: ElectronicCopyStampInput): Promise<Appearance> {
  const c = new AppearanceCanvas(e.width, e.height, e.idPrefix, e.rotate);
  c.textBlock(
    electronicCopyParagraphs(e),
    { x: PAD, y: PAD, width: e.width - 2 * PAD, height: e.height - 2 * PAD },
    { verticalAlign: 'top', align: e.align ?? 'left' },
  );
  return c.finish();
}

function electronicCopyParagraphs(e: Omit<ElectronicCopyStampInput, 'width' | 'height'>): Paragraph[] {
  const fmt = e.formatTime ?? formatVietnamTime;
  return [
    { text: e.copyForm, size: 10 },
    { text: e.organizationName, size: 10 },
    { text: `${e.timeLabel ?? ''}${fmt(e.signingTime)}`, size: 10 },
  ];
}

/** The height the electronic copy stamp needs at 10 pt for a given width (to size the widget). */
export function electronicCopyStampHeight(e: Omit<ElectronicCopyStampInput, 'height'>): number {
  return layoutBlock(electronicCopyParagraphs(e), { width: e.width - 2 * PAD }).contentHeight + 2 * PAD;
}

export interface TextBlockInput {
  width: number;
  /** Omit to size the block to its content (plus padding). */
  height?: number;
  paragraphs: readonly Paragraph[];
  align?: Align;
  verticalAlign?: VerticalAlign;
  lineHeight?: number;
  padding?: number;
  /** Images drawn before the text (e.g. a QR code), in box coordinates. */
  images?: readonly { image: ImageInput; rect: Rect }[];
  /** Rectangle the text must stay in; default the whole box minus padding. */
  textRect?: { x: number; y: number; width: number; height?: number };
  idPrefix?: string;
  rotate?: PageRotation;
}

/**
 * A generic block of text (e.g. the certification statement on a copy's last page): paragraphs
 * with their own size/style/alignment, wrapped to the width, shrunk to fit when a height is given.
 */
export async function buildTextBlockAppearance(t: TextBlockInput): Promise<Appearance & { layout: BlockLayout }> {
  const pad = t.padding ?? 0;
  const opts = {
    ...(t.align ? { align: t.align } : {}),
    ...(t.verticalAlign ? { verticalAlign: t.verticalAlign } : {}),
    ...(t.lineHeight ? { lineHeight: t.lineHeight } : {}),
  };
  const textRect = t.textRect ?? {
    x: pad,
    y: pad,
    width: t.width - 2 * pad,
    ...(t.height !== undefined ? { height: t.height - 2 * pad } : {}),
  };
  const natural = layoutBlock(t.paragraphs, { ...opts, width: textRect.width });
  const height = t.height ?? natural.contentHeight + 2 * pad;
  const rect = textRect.height === undefined && t.textRect === undefined ? { ...textRect, height: height - 2 * pad } : textRect;
  const c = new AppearanceCanvas(t.width, height, t.idPrefix, t.rotate);
  for (const im of t.images ?? []) c.image(im.image, im.rect);
  const layout = c.textBlock(t.paragraphs, rect, opts);
  return { ...(await c.finish()), layout };
}
