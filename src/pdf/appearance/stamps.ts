import { AppearanceCanvas, type ImageInput, type PageRotation, type Rect } from './canvas.js';
import type { Appearance } from './model.js';
import { layoutBlock, wrapText, type Align, type BlockLayout, type Paragraph, type Rgb, type VerticalAlign } from './text-layout.js';
import { formatVietnamTime, type TimeFormatter } from '../../core/vietnam-time.js';
import { headingLines } from './signing-authority.js';
import {
  DEFAULT_SEAL_DIAMETER_MM,
  POINTS_PER_MM,
  assertNoOverlap,
  fitLines,
  labelled,
  linesHeight,
  mm,
  tooSmall,
  type PlacedLine,
  type StampLine,
} from './stamp-layout.js';

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
  /** Signing-authority lines above the title, e.g. ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"] (see signing-authority.ts). */
  authorityLines?: readonly string[];
  /** The signer's title, e.g. "PHÓ CHỦ TỊCH" (a '\n' starts another line); drawn bold, centred, at the top. */
  title?: string;
  /** The signature image (blue PNG with transparent background, or JPEG). */
  signatureImage?: ImageInput;
  /** Full name, drawn bold, centred, under the image. */
  signerName?: string;
  /** When given, a small line "<timeLabel> <time>" under the name. */
  signingTime?: Date;
  timeLabel?: string;
  titleSize?: number;
  nameSize?: number;
}

const PAD = 2;
const TIME_LABEL = 'Thời gian ký:';
const SIGNER_LABEL = 'Ký bởi:';

function titleLines(authorityLines: readonly string[] | undefined, title: string | undefined): string[] {
  const titles = (title ?? '').split(/\r\n?|\n/).filter((l) => l.trim());
  return headingLines([...(authorityLines ?? []), ...titles], undefined);
}

/** Every combination of the alternatives of consecutive groups, most compact (first) options first. */
function combine(groups: readonly (readonly StampLine[][])[]): StampLine[][] {
  let out: StampLine[][] = [[]];
  for (const g of groups) out = out.flatMap((prefix) => g.map((alt) => [...prefix, ...alt]));
  return out;
}

/** Where an individual stamp puts its lines and the box the signature image is fitted into. */
export interface IndividualLayout {
  readonly lines: readonly PlacedLine[];
  readonly imageArea: Rect;
}

/**
 * Individual (Decree 30/2020 Appendix I): heading (authority lines, title) · signature image ·
 * name · time. Text blocks are measured first; the image takes the height left between them.
 * Pure: callers that place other things around the stamp (the copy statement) use it too.
 */
export function layoutIndividual(
  i: Omit<IndividualStampInput, 'signatureImage' | 'idPrefix' | 'rotate'> & { withImage: boolean },
): IndividualLayout {
  const inner: Rect = { x: PAD, y: PAD, width: i.width - 2 * PAD, height: i.height - 2 * PAD };
  const top: StampLine[][] = [
    titleLines(i.authorityLines, i.title).map((text) => ({ text, font: 'bold' as const, size: i.titleSize ?? 11 })),
  ];
  const bottomGroups: StampLine[][][] = [];
  if (i.signerName) bottomGroups.push([[{ text: i.signerName.normalize('NFC'), font: 'bold', size: i.nameSize ?? 11 }]]);
  if (i.signingTime)
    bottomGroups.push(labelled(i.timeLabel?.trim() || TIME_LABEL, (i.formatTime ?? formatVietnamTime)(i.signingTime), 'regular', 8));
  const bottom = combine(bottomGroups);
  // Text may take at most 70 % of the height when there is an image, all of it otherwise.
  const budget = inner.height * (i.withImage ? 0.7 : 1);
  const topH = linesHeight(top[0]!);
  const bottomH = linesHeight(bottom[0]!);
  const scale = Math.min(1, budget / Math.max(topH + bottomH, 1e-9));
  const topRect: Rect = { x: inner.x, y: inner.y + inner.height - topH * scale, width: inner.width, height: topH * scale };
  const bottomRect: Rect = { x: inner.x, y: inner.y, width: inner.width, height: bottomH * scale };
  const placedTop = fitLines(top, topRect, { verticalAlign: 'top', minSize: 5 });
  const placedBottom = fitLines(bottom, bottomRect, { verticalAlign: 'bottom', minSize: 5 });
  if (!placedTop || !placedBottom)
    throw tooSmall(`the ${fmtPt(i.width)}×${fmtPt(i.height)} pt stamp is too small for its title, name and time`);
  const lines = [...placedTop, ...placedBottom];
  assertNoOverlap(lines.map((l) => ({ label: l.text, rect: l.box })));
  const imageArea: Rect = {
    x: inner.x,
    y: inner.y + bottomRect.height,
    width: inner.width,
    height: inner.height - topRect.height - bottomRect.height,
  };
  return { lines, imageArea };
}

export async function buildIndividualAppearance(i: IndividualStampInput): Promise<Appearance> {
  const c = new AppearanceCanvas(i.width, i.height, i.idPrefix, i.rotate);
  const layout = layoutIndividual({ ...i, withImage: i.signatureImage !== undefined });
  for (const l of layout.lines) c.text(l.text, l.x, l.y, l.font, l.size, l.color);
  if (i.signatureImage && layout.imageArea.height > 1) c.image(i.signatureImage, layout.imageArea);
  return c.finish();
}

export interface OrganizationStampInput extends Common {
  /** The seal image (red PNG, transparent background). */
  sealImage: ImageInput;
  organizationName: string;
  signingTime: Date;
  /** Diameter of the seal's visible ink in points, its real size; default 36 mm. */
  sealSize?: number;
  /** Signing-authority lines and title drawn above "Ký bởi" (Decree 30/2020 Art. 13). */
  authorityLines?: readonly string[];
  title?: string;
  /** Label before the organization's name; default "Ký bởi:". */
  signerLabel?: string;
  timeLabel?: string;
  textColor?: Rgb;
  textSize?: number;
  /**
   * Draw the name and time beside the seal (default). Decree 30 only requires the seal image;
   * false gives a seal-only stamp for laying over the left third of the official's signature.
   */
  showText?: boolean;
  /** Which side of the seal the text goes; default right. */
  textSide?: 'left' | 'right';
}

const SEAL_GAP = 4;

/** Where an organization stamp puts its seal (the visible ink's square) and its lines. */
export interface OrganizationLayout {
  readonly sealRect: Rect;
  readonly lines: readonly PlacedLine[];
}

/**
 * Organization (Decree 30/2020 Appendix I): the red seal at its real diameter and, beside it
 * (never over it), "Ký bởi: <organization>" and "Thời gian ký: <time>". A box that cannot hold
 * the seal at that size, or the text at 6 pt, is refused rather than shrunk into illegibility.
 */
export function layoutOrganization(o: Omit<OrganizationStampInput, 'sealImage' | 'idPrefix' | 'rotate'>): OrganizationLayout {
  const seal = o.sealSize ?? mm(DEFAULT_SEAL_DIAMETER_MM);
  if (!(seal > 0) || seal > o.width + 1e-6 || seal > o.height + 1e-6) {
    throw tooSmall(
      `a ${fmtPt(seal / POINTS_PER_MM)} mm seal needs a stamp at least ${fmtPt(seal)} pt square; got ${fmtPt(o.width)}×${fmtPt(o.height)} pt`,
    );
  }
  const showText = o.showText !== false;
  const left = o.textSide === 'left';
  const sealX = !showText ? (o.width - seal) / 2 : left ? o.width - seal : 0;
  const sealRect: Rect = { x: sealX, y: (o.height - seal) / 2, width: seal, height: seal };
  if (!showText) return { sealRect, lines: [] };
  const color = o.textColor ?? BLACK;
  const size = o.textSize ?? 10;
  const textRect: Rect = { x: left ? PAD : seal + SEAL_GAP, y: PAD, width: o.width - seal - SEAL_GAP - PAD, height: o.height - 2 * PAD };
  const heading = titleLines(o.authorityLines, o.title).map((text) => ({ text, font: 'bold' as const, size, color }));
  const signerLabel = o.signerLabel?.trim() || SIGNER_LABEL;
  const name = o.organizationName.normalize('NFC');
  // Last resort for a long official name: the label, then the name on as many full-width lines
  // as it needs (wrapped to the whole text column, never word by word into a sliver).
  const wrappedName =
    textRect.width > 0
      ? [
          { text: signerLabel, font: 'bold' as const, size, color },
          ...wrapText(name, 'bold', size, textRect.width).map((text) => ({ text, font: 'bold' as const, size, color })),
        ]
      : [];
  const alternatives = combine([
    [heading],
    [...labelled(signerLabel, name, 'bold', size, color), wrappedName],
    labelled(o.timeLabel?.trim() || TIME_LABEL, (o.formatTime ?? formatVietnamTime)(o.signingTime), 'regular', size, color),
  ]);
  const lines = textRect.width > 0 ? fitLines(alternatives, textRect, { align: left ? 'right' : 'left', minSize: 6 }) : undefined;
  if (!lines) throw tooSmall(`the ${fmtPt(o.width)}×${fmtPt(o.height)} pt stamp leaves no room beside the seal for the signer and time`);
  assertNoOverlap([{ label: 'seal', rect: sealRect }, ...lines.map((l) => ({ label: l.text, rect: l.box }))]);
  return { sealRect, lines };
}

export async function buildOrganizationAppearance(o: OrganizationStampInput): Promise<Appearance> {
  const layout = layoutOrganization(o);
  const c = new AppearanceCanvas(o.width, o.height, o.idPrefix, o.rotate);
  for (const l of layout.lines) c.text(l.text, l.x, l.y, l.font, l.size, l.color);
  c.imageVisiblePart(o.sealImage, layout.sealRect);
  return c.finish();
}

const fmtPt = (v: number): string => String(Math.round(v * 10) / 10);

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
