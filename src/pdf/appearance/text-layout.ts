import { loadFont, type FontStyle, type LoadedFont } from './fonts.js';

/**
 * Line layout with the font's own advance widths: greedy word wrap to a width, explicit '\n'
 * breaks, over-long words broken between characters, and shrink-to-fit of a whole block into a
 * rectangle (one common scale factor so the relative sizes of title/name/time stay).
 * Text is NFC-normalised first, so one glyph is drawn per precomposed Vietnamese letter.
 */

export type Align = 'left' | 'center' | 'right';
export type VerticalAlign = 'top' | 'middle' | 'bottom';
export type Rgb = readonly [number, number, number];

export interface Paragraph {
  text: string;
  /** Font style of the shipped serif, or a font loaded with loadFontFromBytes. Default regular. */
  font?: FontStyle | LoadedFont;
  /** Size in points before shrinking. Default 10. */
  size?: number;
  align?: Align;
  /** Fill colour, components 0..1. Default black. */
  color?: Rgb;
  /** Extra space above this paragraph, in points (scaled with the text). */
  spaceBefore?: number;
}

export interface LaidOutLine {
  readonly text: string;
  readonly font: LoadedFont;
  readonly size: number;
  readonly color: Rgb;
  /** Left end of the text's baseline, relative to the box's lower-left corner. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
}

export interface BlockLayout {
  readonly lines: readonly LaidOutLine[];
  /** Height the text occupies (after scaling). */
  readonly contentHeight: number;
  /** Factor applied to every size (1 when nothing had to shrink). */
  readonly scale: number;
  /** True when even the smallest allowed size did not fit; the text then overflows the box. */
  readonly overflow: boolean;
}

export interface BlockOptions {
  width: number;
  /** Box height; omit to let the block take the height it needs (no shrinking). */
  height?: number;
  align?: Align;
  verticalAlign?: VerticalAlign;
  /** Line height as a multiple of the font size. Default 1.2. */
  lineHeight?: number;
  /** Shrink to fit the box (default true when height is given). */
  shrink?: boolean;
  /** Smallest size shrinking may reach, in points. Default 4. */
  minSize?: number;
}

export function resolveFont(f: FontStyle | LoadedFont | undefined): LoadedFont {
  if (f === undefined) return loadFont('regular');
  return typeof f === 'string' ? loadFont(f) : f;
}

/** Width of `text` in points. */
export function measureText(text: string, font: FontStyle | LoadedFont, size: number): number {
  return resolveFont(font).widthOf(text, size);
}

/**
 * Breaks text into lines no wider than maxWidth (a single glyph wider than that still gets a line).
 * Most text is wrapped again and again with the same font, size and width (a statement's fixed
 * sentences, an official's name and title on every stamp): the lines are kept per font, a bounded
 * number, and a caller gets its own copy.
 */
export function wrapText(text: string, font: FontStyle | LoadedFont, size: number, maxWidth: number): string[] {
  const f = resolveFont(font);
  let perFont = wrapped.get(f);
  if (!perFont) wrapped.set(f, (perFont = new Map()));
  const key = `${size}|${maxWidth}|${text}`;
  const hit = perFont.get(key);
  if (hit) return hit.slice();
  const lines = wrapUncached(text, f, size, maxWidth);
  if (perFont.size >= WRAPPED_PER_FONT_MAX) perFont.clear();
  perFont.set(key, lines);
  return lines.slice();
}
const wrapped = new WeakMap<LoadedFont, Map<string, readonly string[]>>();
const WRAPPED_PER_FONT_MAX = 512;

function wrapUncached(text: string, f: LoadedFont, size: number, maxWidth: number): string[] {
  const out: string[] = [];
  for (const hard of text.normalize('NFC').replace(/\r\n?/g, '\n').split('\n')) {
    // Keep the spacing the caller typed inside a line (e.g. "Số: 15   Quyển số: 01"); drop it at breaks.
    const words = [...hard.replace(/\t/g, ' ').matchAll(/( *)([^ ]+)/g)].map((m) => ({ sep: m[1]!, word: m[2]! }));
    if (words.length === 0) {
      out.push('');
      continue;
    }
    // Widths are additive (no kerning), so each word is measured once.
    let line = '';
    let lineW = 0;
    for (const { sep, word } of words) {
      const wordW = f.widthOf(word, size);
      const sepW = line ? f.widthOf(sep, size) : 0;
      if (lineW + sepW + wordW <= maxWidth) {
        line = line ? `${line}${sep}${word}` : word;
        lineW += sepW + wordW;
        continue;
      }
      if (line) out.push(line);
      line = '';
      lineW = 0;
      if (wordW <= maxWidth) {
        line = word;
        lineW = wordW;
        continue;
      }
      // Break an over-long word between characters.
      let part = '';
      let partW = 0;
      for (const ch of word) {
        const chW = f.widthOf(ch, size);
        if (part && partW + chW > maxWidth) {
          out.push(part);
          part = '';
          partW = 0;
        }
        part += ch;
        partW += chW;
      }
      line = part;
      lineW = partW;
    }
    out.push(line);
  }
  return out;
}

interface Measured {
  lines: { text: string; font: LoadedFont; size: number; color: Rgb; align: Align; lineBox: number; width: number; spaceBefore: number }[];
  height: number;
}

function measureBlock(paragraphs: readonly Paragraph[], o: BlockOptions, scale: number): Measured {
  const lh = o.lineHeight ?? 1.2;
  const lines: Measured['lines'] = [];
  let height = 0;
  for (const p of paragraphs) {
    const font = resolveFont(p.font);
    const size = (p.size ?? 10) * scale;
    const before = (p.spaceBefore ?? 0) * scale;
    const wrapped = wrapText(p.text, font, size, o.width);
    wrapped.forEach((text, i) => {
      const spaceBefore = i === 0 ? before : 0;
      lines.push({
        text,
        font,
        size,
        color: p.color ?? [0, 0, 0],
        align: p.align ?? o.align ?? 'left',
        lineBox: size * lh,
        width: font.widthOf(text, size),
        spaceBefore,
      });
      height += spaceBefore + size * lh;
    });
  }
  return { lines, height };
}

/** Lays out paragraphs in a box whose lower-left corner is (0, 0). */
export function layoutBlock(paragraphs: readonly Paragraph[], o: BlockOptions): BlockLayout {
  if (!(o.width > 0)) throw new TypeError('layoutBlock: width must be positive');
  const shrink = o.height !== undefined && (o.shrink ?? true);
  let scale = 1;
  let m = measureBlock(paragraphs, o, 1);
  let overflow = false;
  if (o.height !== undefined && m.height > o.height + 1e-6) {
    if (shrink) {
      const maxSize = Math.max(...paragraphs.map((p) => p.size ?? 10));
      const minScale = Math.min(1, (o.minSize ?? 4) / maxSize);
      // Wrapping is not monotone in general, but close enough for a bisection on the scale.
      let lo = minScale;
      let hi = 1;
      const atMin = measureBlock(paragraphs, o, lo);
      if (atMin.height > o.height + 1e-6) {
        scale = lo;
        m = atMin;
        overflow = true;
      } else {
        let best = atMin;
        let bestScale = lo;
        for (let i = 0; i < 14; i++) {
          const mid = (lo + hi) / 2;
          const mm = measureBlock(paragraphs, o, mid);
          if (mm.height <= o.height + 1e-6) {
            lo = mid;
            best = mm;
            bestScale = mid;
          } else hi = mid;
        }
        scale = bestScale;
        m = best;
      }
    } else overflow = true;
  }
  const boxHeight = o.height ?? m.height;
  const va = o.verticalAlign ?? 'top';
  let top = va === 'top' ? boxHeight : va === 'bottom' ? m.height : boxHeight - (boxHeight - m.height) / 2;
  const lines: LaidOutLine[] = [];
  for (const l of m.lines) {
    top -= l.spaceBefore;
    const asc = l.font.ascentAt(l.size);
    const desc = l.font.descentAt(l.size);
    const baseline = top - (l.lineBox - (asc - desc)) / 2 - asc;
    const x = l.align === 'left' ? 0 : l.align === 'right' ? o.width - l.width : (o.width - l.width) / 2;
    lines.push({ text: l.text, font: l.font, size: l.size, color: l.color, x, y: baseline, width: l.width });
    top -= l.lineBox;
  }
  return { lines, contentHeight: m.height, scale, overflow };
}
