import {
  assertNoOverlap,
  containRect,
  fitLines,
  layoutIndividual,
  layoutOrganization,
  linesWidth,
  wrapText,
  type PlacedLine,
  type Rect,
} from '../pdf/appearance/index.js';
import type { StatementText } from './statement.js';

/**
 * Where everything of the certification statement goes, in page coordinates, computed with the
 * stamp layout engine (src/pdf/appearance) so that the static text drawn now and the stamps
 * drawn later at signing time are measured with the same font metrics and never overlap:
 *
 *   CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH
 *   body (original, pages of the copy, number and volume, date, fee)
 *                                            TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / title
 *   Ký bởi: <authority>   ( seal )~~~signature~~~
 *   Thời gian ký: …       ( 36mm )
 *   [QR] code, URL                    <name> · Thời gian ký: …
 *
 * The seal covers the left third of the signature image (Decree 30/2020 Appendix I), at its real
 * diameter; the authority's "Ký bởi / Thời gian ký" lines sit left of the seal, beside it.
 */
export interface StatementFrame {
  /** Left and right edges of the text column, and the top of the block, in page points. */
  readonly left: number;
  readonly right: number;
  readonly top: number;
}

export interface StatementStamps {
  /** Seal diameter in points. */
  readonly sealDiameter: number;
  readonly hasSealImage: boolean;
  /** Pixel size of the certifier's signature image, to know where its left third is. */
  readonly signatureImageSize?: { readonly width: number; readonly height: number };
  readonly authorityName: string;
  readonly certifierName: string;
}

export interface StatementLayout {
  readonly lines: readonly PlacedLine[];
  readonly qr: Rect;
  readonly certifierRect: Rect;
  readonly authorityRect: Rect;
  /** Lowest y the block uses. */
  readonly bottom: number;
}

const HEADING_SIZE = 13;
const BODY_SIZE = 11;
const SIGN_HEADING_SIZE = 11;
const LOOKUP_SIZE = 8;
const PITCH = 1.3;
const COLUMN_WIDTH = 210;
const CERTIFIER_WIDTH = 190;
const QR_SIZE = 56;
const GAP = 6;
/** A time with every digit present: Liberation Serif's digits share one advance width. */
const SAMPLE_TIME = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

export function layoutStatement(text: StatementText, frame: StatementFrame, stamps: StatementStamps): StatementLayout {
  const width = frame.right - frame.left;
  const lines: PlacedLine[] = [];
  let y = frame.top;
  const block = (
    texts: readonly string[],
    font: 'regular' | 'bold',
    size: number,
    x: number,
    w: number,
    align: 'left' | 'center',
  ): void => {
    const rows = texts.flatMap((t) => wrapText(t, font, size, w));
    const h = rows.length * size * PITCH;
    const placed = fitLines(
      [rows.map((t) => ({ text: t, font, size }))],
      { x, y: y - h, width: w, height: h },
      { align, verticalAlign: 'top', lineHeight: PITCH },
    );
    if (!placed) throw new TypeError('statement layout: a line does not fit its column');
    lines.push(...placed);
    y -= h;
  };

  block([text.heading.toLocaleUpperCase('vi')], 'bold', HEADING_SIZE, frame.left, width, 'center');
  y -= GAP;
  block(text.body, 'regular', BODY_SIZE, frame.left, width, 'left');
  y -= 2 * GAP;

  // Signature column on the right: heading lines, then the certifier's stamp.
  const colX = frame.right - COLUMN_WIDTH;
  block(text.signatureHeading, 'bold', SIGN_HEADING_SIZE, colX, COLUMN_WIDTH, 'center');
  y -= GAP / 2;
  const d = stamps.sealDiameter;
  // The certifier's stamp: image area exactly one seal high, then the name and the time.
  const probe = remembered(layoutIndividual, {
    width: CERTIFIER_WIDTH,
    height: 200,
    signerName: stamps.certifierName,
    signingTime: SAMPLE_TIME,
    withImage: true,
  });
  const textBelow = probe.imageArea.y - 2;
  const certH = d + textBelow + 4;
  const certifierRect: Rect = { x: colX + (COLUMN_WIDTH - CERTIFIER_WIDTH) / 2, y: y - certH, width: CERTIFIER_WIDTH, height: certH };
  const cert = remembered(layoutIndividual, {
    width: certifierRect.width,
    height: certH,
    signerName: stamps.certifierName,
    signingTime: SAMPLE_TIME,
    withImage: true,
  });
  const area = offset(cert.imageArea, certifierRect);
  const painted = stamps.signatureImageSize ? containRect(stamps.signatureImageSize.width, stamps.signatureImageSize.height, area) : area;
  const certLines = cert.lines.map((l) => shift(l, certifierRect));

  // The seal: centred on the left third of the painted signature, vertically on the image area.
  const sealCx = painted.x + painted.width / 6;
  const sealCy = area.y + area.height / 2;
  const seal: Rect = { x: sealCx - d / 2, y: sealCy - d / 2, width: d, height: d };
  const sealText = [`Ký bởi: ${stamps.authorityName}`, `Thời gian ký: 00/00/0000 00:00:00 +07:00`];
  const textW =
    Math.max(
      remembered(linesWidth, [{ text: sealText[0]!, font: 'bold', size: 10 }]),
      remembered(linesWidth, [{ text: sealText[1]!, font: 'regular', size: 10 }]),
    ) + 6;
  const textLeft = Math.max(frame.left, seal.x - GAP - textW);
  const authorityRect: Rect = stamps.hasSealImage
    ? { x: textLeft, y: seal.y, width: seal.x + d - textLeft, height: d }
    : { x: textLeft, y: seal.y, width: seal.x - GAP - textLeft, height: d };
  const org = stamps.hasSealImage
    ? remembered(layoutOrganization, {
        width: authorityRect.width,
        height: d,
        sealSize: d,
        organizationName: stamps.authorityName,
        signingTime: SAMPLE_TIME,
        textSide: 'left',
      })
    : undefined;
  const orgLines = org ? org.lines.map((l) => shift(l, authorityRect)) : [];
  const orgBoxes = org ? orgLines.map((l) => l.box) : [authorityRect];

  // QR and lookup lines: bottom left of the signature row, or under it when they would touch the seal's text.
  let qr: Rect = { x: frame.left, y: certifierRect.y, width: QR_SIZE, height: QR_SIZE };
  const lookupX = qr.x + QR_SIZE + GAP;
  const lookupW = Math.max(40, Math.min(seal.x, certifierRect.x) - GAP - lookupX);
  const lookup = (q: Rect): PlacedLine[] => {
    const rows = text.lookupLines.flatMap((t) => wrapText(t, 'regular', LOOKUP_SIZE, lookupW));
    return (
      fitLines(
        [rows.map((t) => ({ text: t, font: 'regular' as const, size: LOOKUP_SIZE }))],
        { x: lookupX, y: q.y, width: lookupW, height: q.height },
        { align: 'left', verticalAlign: 'top' },
      ) ?? []
    );
  };
  let lookupLines = lookup(qr);
  // The seal's whole widget box counts, not only its text: page content under a later signature's
  // widget reads as covered signed content to a verifier (docs/signatures-and-validation.md, rule C2).
  const guarded = [authorityRect, ...orgBoxes];
  const clashes = (boxes: Rect[]) =>
    boxes.some((b) =>
      guarded.some((o) => b.y < o.y + o.height + 2 && o.y < b.y + b.height + 2 && b.x < o.x + o.width && o.x < b.x + b.width),
    );
  // First just below the seal's widget (the row grows least), then under the whole signature row.
  for (const y of [Math.min(certifierRect.y, authorityRect.y - GAP - QR_SIZE), certifierRect.y - GAP - QR_SIZE]) {
    if (!clashes([qr, ...lookupLines.map((l) => l.box)])) break;
    qr = { ...qr, y };
    lookupLines = lookup(qr);
  }
  lines.push(...lookupLines);

  assertNoOverlap([
    ...lines.map((l) => ({ label: l.text, rect: l.box })),
    ...certLines.map((l) => ({ label: `stamp: ${l.text}`, rect: l.box })),
    ...orgLines.map((l) => ({ label: `seal text: ${l.text}`, rect: l.box })),
    { label: 'QR code', rect: qr },
  ]);
  assertNoOverlap([
    { label: 'seal widget', rect: authorityRect },
    ...lines.map((l) => ({ label: l.text, rect: l.box })),
    { label: 'QR code', rect: qr },
  ]);
  assertNoOverlap([
    { label: 'seal', rect: seal },
    ...certLines.map((l) => ({ label: l.text, rect: l.box })),
    ...lines.map((l) => ({ label: l.text, rect: l.box })),
  ]);
  return { lines, qr, certifierRect, authorityRect, bottom: Math.min(qr.y, certifierRect.y) };
}

/**
 * The stamp layouts above are pure functions of their input — names, sizes and widths, the same
 * for every copy one certifier makes for one authority — and their results are only read, so they
 * are kept, a bounded few, by function and input (the sample time included).
 */
const stampLayouts = new Map<string, unknown>();
const STAMP_LAYOUTS_MAX = 64;
function remembered<I, O>(layout: (input: I) => O, input: I): O {
  const key = `${layout.name}:${keyOf(input)}`;
  if (stampLayouts.has(key)) return stampLayouts.get(key) as O;
  const out = layout(input);
  if (stampLayouts.size >= STAMP_LAYOUTS_MAX) stampLayouts.clear();
  stampLayouts.set(key, out);
  return out;
}

/** The input as text, a Date as its time value (JSON.stringify of a Date formats it, slowly). */
function keyOf(v: unknown): string {
  if (v instanceof Date) return `D${v.getTime()}`;
  if (Array.isArray(v)) return `[${v.map(keyOf).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    let out = '{';
    for (const [k, x] of Object.entries(v)) out += `${k}:${keyOf(x)},`;
    return `${out}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

function offset(r: Rect, by: Rect): Rect {
  return { x: r.x + by.x, y: r.y + by.y, width: r.width, height: r.height };
}

function shift(l: PlacedLine, by: Rect): PlacedLine {
  return { ...l, x: l.x + by.x, y: l.y + by.y, box: offset(l.box, by) };
}
