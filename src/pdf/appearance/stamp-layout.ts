import { AppError } from '../../core/errors.js';
import type { Rect } from './canvas.js';
import type { FontStyle } from './fonts.js';
import { resolveFont, type Align, type Rgb } from './text-layout.js';

/**
 * The one layout engine of the visible stamps: lines are measured with the embedded font's own
 * advance widths and are never word-wrapped (a stamp line such as "Thời gian ký: 26/11/2026
 * 22:04:05 +07:00" must stay readable as one unit, Decree 30/2020 Appendix I); when lines do
 * not fit, the caller offers alternatives (e.g. label and value on two lines) and the whole
 * block shrinks with one scale. Every element is a rectangle, and compositions check that no
 * two text rectangles intersect.
 */
export const POINTS_PER_MM = 72 / 25.4;
/** A commune People's Committee's round seal is 35-36 mm across; authorities may configure their own. */
export const DEFAULT_SEAL_DIAMETER_MM = 36;
export const mm = (v: number): number => v * POINTS_PER_MM;

export interface StampLine {
  readonly text: string;
  readonly font: FontStyle;
  readonly size: number;
  readonly color?: Rgb;
}

export interface PlacedLine {
  readonly text: string;
  readonly font: FontStyle;
  readonly size: number;
  readonly color: Rgb;
  /** Left end of the baseline. */
  readonly x: number;
  readonly y: number;
  /** The line's ink box: advance width × (ascent − descent). */
  readonly box: Rect;
}

export interface FitOptions {
  readonly align?: Align;
  readonly verticalAlign?: 'top' | 'middle' | 'bottom';
  /** Line pitch as a multiple of the size. Default 1.2. */
  readonly lineHeight?: number;
  /** Smallest size any line may shrink to. Default 6 pt. */
  readonly minSize?: number;
}

/** Height the lines need at scale 1. */
export function linesHeight(lines: readonly StampLine[], lineHeight = 1.2): number {
  return lines.reduce((h, l) => h + l.size * lineHeight, 0);
}

/** Width of the widest line at scale 1. */
export function linesWidth(lines: readonly StampLine[]): number {
  let widest = 0;
  for (const l of lines) widest = Math.max(widest, lineWidth(l));
  return widest;
}

/**
 * A line's advance width at its own size, measured once per line object: the alternatives a
 * stamp offers (./stamps.ts `combine`) share their lines, and fitLines measures every alternative.
 */
const widths = new WeakMap<StampLine, number>();

function lineWidth(l: StampLine): number {
  let w = widths.get(l);
  if (w === undefined) {
    w = resolveFont(l.font).widthOf(l.text, l.size);
    widths.set(l, w);
  }
  return w;
}

/**
 * Places the first alternative that fits `rect` at full size; when none does, the one that needs
 * the least shrinking, provided every line stays at least `minSize`; undefined otherwise.
 */
export function fitLines(alternatives: readonly (readonly StampLine[])[], rect: Rect, o: FitOptions = {}): PlacedLine[] | undefined {
  const lh = o.lineHeight ?? 1.2;
  const minSize = o.minSize ?? 6;
  let best: { lines: readonly StampLine[]; scale: number } | undefined;
  for (const lines of alternatives) {
    if (lines.length === 0) return [];
    const scale = Math.min(1, rect.width / linesWidth(lines), rect.height / linesHeight(lines, lh));
    if (Math.min(...lines.map((l) => l.size)) * scale < minSize - 1e-9) continue;
    if (scale >= 1 - 1e-9) return place(lines, rect, 1, lh, o);
    if (!best || scale > best.scale + 1e-9) best = { lines, scale };
  }
  return best && place(best.lines, rect, best.scale, lh, o);
}

function place(lines: readonly StampLine[], rect: Rect, scale: number, lh: number, o: FitOptions): PlacedLine[] {
  const h = linesHeight(lines, lh) * scale;
  const va = o.verticalAlign ?? 'middle';
  let top = va === 'top' ? rect.y + rect.height : va === 'bottom' ? rect.y + h : rect.y + (rect.height + h) / 2;
  const out: PlacedLine[] = [];
  for (const l of lines) {
    const f = resolveFont(l.font);
    const size = l.size * scale;
    const width = f.widthOf(l.text, size);
    const asc = f.ascentAt(size);
    const desc = f.descentAt(size);
    const pitch = size * lh;
    const baseline = top - (pitch - (asc - desc)) / 2 - asc;
    const align = o.align ?? 'center';
    const x = align === 'left' ? rect.x : align === 'right' ? rect.x + rect.width - width : rect.x + (rect.width - width) / 2;
    out.push({
      text: l.text,
      font: l.font,
      size,
      color: l.color ?? [0, 0, 0],
      x,
      y: baseline,
      box: { x, y: baseline + desc, width, height: asc - desc },
    });
    top -= pitch;
  }
  return out;
}

export function intersects(a: Rect, b: Rect): boolean {
  const eps = 1e-6;
  return a.x < b.x + b.width - eps && b.x < a.x + a.width - eps && a.y < b.y + b.height - eps && b.y < a.y + a.height - eps;
}

/** A layout bug, not bad input: two text boxes of one composition overlap. */
export function assertNoOverlap(boxes: readonly { label: string; rect: Rect }[]): void {
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (intersects(boxes[i]!.rect, boxes[j]!.rect)) throw new TypeError(`stamp layout: ${boxes[i]!.label} overlaps ${boxes[j]!.label}`);
    }
  }
}

/** The stamp's box cannot hold what it must show at a readable size. */
export function tooSmall(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { field: 'rect' } });
}

/** "Label value" on one line, or label and value on two lines when one line is too wide. */
export function labelled(label: string, value: string, font: FontStyle, size: number, color?: Rgb): StampLine[][] {
  const c = color ? { color } : {};
  return [
    [{ text: `${label} ${value}`, font, size, ...c }],
    [
      { text: label, font, size, ...c },
      { text: value, font, size, ...c },
    ],
  ];
}
