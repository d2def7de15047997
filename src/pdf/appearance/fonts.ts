import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fontkit from '@pdf-lib/fontkit';
import type { Font as FontkitFont } from '@pdf-lib/fontkit';
import { TrueTypeFile } from './truetype-subset.js';

/**
 * Fonts for visible stamps. Decree 30/2020 Appendix I prescribes Times New Roman; we ship
 * Liberation Serif (SIL OFL 1.1, metric-compatible with Times New Roman, full Vietnamese
 * coverage) under assets/fonts/ and load each file once per process.
 */

export type FontStyle = 'regular' | 'bold';

const FILES: Record<FontStyle, string> = {
  regular: 'LiberationSerif-Regular.ttf',
  bold: 'LiberationSerif-Bold.ttf',
};

export interface GlyphInfo {
  /** Glyph id in the full font. */
  readonly gid: number;
  /** Advance width in font units. */
  readonly advance: number;
}

/**
 * Code points below this are looked up by index: Latin, its supplements and Latin Extended
 * Additional (U+1E00-U+1EFF, most precomposed Vietnamese letters), and the general punctuation
 * (dashes, quotes, ellipsis) at U+2010-U+2027 — every character layout measures and the subsets
 * encode, thousands per certified copy.
 */
const DIRECT_CODE_POINTS = 0x2030;

/** A parsed TrueType font plus the metrics the layout and the PDF font dictionaries need. */
export class LoadedFont {
  readonly postscriptName: string;
  readonly unitsPerEm: number;
  readonly ascent: number;
  readonly descent: number;
  readonly capHeight: number;
  readonly italicAngle: number;
  readonly bbox: readonly [number, number, number, number];
  readonly serif: boolean;
  /** Glyphs of code points from DIRECT_CODE_POINTS up, looked up once each. */
  private readonly glyphs = new Map<number, GlyphInfo | null>();
  /** Glyphs below DIRECT_CODE_POINTS by code point (undefined: not looked up yet): no hashing per character. */
  private readonly direct: (GlyphInfo | null | undefined)[] = new Array<GlyphInfo | null | undefined>(DIRECT_CODE_POINTS);
  /** The glyph drawn for a code point the font lacks ('?', else .notdef). */
  readonly fallbackGlyph: GlyphInfo;

  /** The raw font file, for subsetting. */
  readonly file: TrueTypeFile;

  constructor(
    readonly fontkitFont: FontkitFont,
    bytes: Buffer,
    opts: { serif: boolean },
  ) {
    this.file = new TrueTypeFile(bytes);
    const f = fontkitFont;
    this.postscriptName = (f.postscriptName ?? 'Embedded').replace(/[^A-Za-z0-9-]/g, '');
    this.unitsPerEm = f.unitsPerEm;
    this.ascent = f.ascent;
    this.descent = f.descent;
    this.capHeight = f.capHeight;
    this.italicAngle = f.italicAngle;
    this.bbox = [f.bbox.minX, f.bbox.minY, f.bbox.maxX, f.bbox.maxY];
    this.serif = opts.serif;
    const q = this.glyph(0x3f); // '?' stands in for characters the font lacks
    this.fallbackGlyph = q ?? { gid: 0, advance: f.getGlyph(0).advanceWidth };
  }

  /** The glyph for one code point, or null when the font has none. */
  glyph(codePoint: number): GlyphInfo | null {
    if (codePoint < DIRECT_CODE_POINTS) {
      const g = this.direct[codePoint];
      if (g !== undefined) return g;
      return (this.direct[codePoint] = this.lookUp(codePoint));
    }
    let g = this.glyphs.get(codePoint);
    if (g === undefined) this.glyphs.set(codePoint, (g = this.lookUp(codePoint)));
    return g;
  }

  private lookUp(codePoint: number): GlyphInfo | null {
    if (!this.fontkitFont.hasGlyphForCodePoint(codePoint)) return null;
    const kg = this.fontkitFont.glyphForCodePoint(codePoint);
    return { gid: kg.id, advance: kg.advanceWidth };
  }

  /** Width of a string in points at `size` (no kerning: one glyph per NFC code point). */
  widthOf(text: string, size: number): number {
    let units = 0;
    // Pure ASCII/precomposed text is already NFC; normalising only when needed keeps layout cheap.
    const nfc = /[\u0300-\u036f]/.test(text) ? text.normalize('NFC') : text;
    for (let i = 0; i < nfc.length; i++) {
      let cp = nfc.charCodeAt(i);
      if (cp >= 0xd800 && cp < 0xdc00) {
        cp = nfc.codePointAt(i)!;
        if (cp > 0xffff) i++; // a pair; a lone high surrogate stays one code point, as for…of gives it
      }
      // no result object per character: layout measures thousands of characters per copy
      units += (this.glyph(cp) ?? this.fallbackGlyph).advance;
    }
    return (units * size) / this.unitsPerEm;
  }

  /** Ascent/descent in points at `size` (descent is negative). */
  ascentAt(size: number): number {
    return (this.ascent * size) / this.unitsPerEm;
  }
  descentAt(size: number): number {
    return (this.descent * size) / this.unitsPerEm;
  }
}

const cache = new Map<string, LoadedFont>();

/** Finds assets/fonts/ from this module, both from src/ (tests) and dist/src/ (built). */
function assetsFontDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'assets', 'fonts');
    if (existsSync(join(candidate, FILES.regular))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('kyso assets/fonts not found next to the package');
}

/** The shipped serif font in a style; parsed once and cached. */
export function loadFont(style: FontStyle = 'regular'): LoadedFont {
  const key = `builtin:${style}`;
  let f = cache.get(key);
  if (!f) {
    const bytes = readFileSync(join(assetsFontDir(), FILES[style]));
    f = new LoadedFont(fontkit.create(bytes), bytes, { serif: true });
    cache.set(key, f);
  }
  return f;
}

/**
 * Parses a caller-provided TrueType font (cached by `cacheKey`). Only glyf-based TrueType is
 * embedded as FontFile2; CFF-based OpenType is refused (TypeError) because it needs FontFile3.
 */
export function loadFontFromBytes(bytes: Buffer, cacheKey: string, opts: { serif?: boolean } = {}): LoadedFont {
  let f = cache.get(cacheKey);
  if (!f) {
    const kf = fontkit.create(bytes);
    if (!hasTable(kf, 'glyf')) {
      throw new TypeError('loadFontFromBytes: only TrueType (glyf) fonts are supported');
    }
    f = new LoadedFont(kf, bytes, { serif: opts.serif ?? false });
    cache.set(cacheKey, f);
  }
  return f;
}

function hasTable(f: FontkitFont, tag: string): boolean {
  const dir = (f as unknown as { directory?: { tables?: Record<string, unknown> } }).directory;
  return Boolean(dir?.tables && tag in dir.tables);
}
