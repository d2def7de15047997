import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { LoadedFont } from './fonts.js';
import { pdfDict, pdfName, pdfRef, pdfString, type PdfObjectSpec, type PdfValue } from './model.js';

/**
 * Embeds the glyphs one appearance uses as a composite font (ISO 32000-1 §9.7):
 * Type0 /Identity-H → CIDFontType2 (/CIDToGIDMap /Identity) → FontDescriptor → FontFile2 (a
 * glyph-id-preserving TrueType subset, see truetype-subset.ts), plus a ToUnicode CMap (§9.10.3)
 * so text extraction returns the exact NFC text. CID = the glyph's id in the full font, so the
 * content stream is final as soon as a string is encoded, and the subset does not depend on the
 * order the text was drawn in.
 */
export class FontSubset {
  /** gid → advance (font units) and the text the glyph stands for */
  private readonly glyphs = new Map<number, { advance: number; text: string }>();
  /** The prepared character set this subset started from (see include), while nothing else was added before it. */
  private prepared: PreparedSet | undefined;

  constructor(
    readonly font: LoadedFont,
    /** Prefix for the symbolic object ids (unique within the bundle). */
    readonly idPrefix: string,
  ) {}

  get used(): boolean {
    return this.glyphs.size > 0;
  }

  /** Id of the Type0 font object (what /Resources /Font points to). */
  get fontId(): string {
    return `${this.idPrefix}.type0`;
  }

  /**
   * The string operand for Tj: 2-byte CIDs (Identity-H). Input is NFC-normalised; characters the
   * font lacks are drawn as '?', control characters are dropped.
   */
  encode(text: string): Buffer {
    const nfc = text.normalize('NFC');
    const out = Buffer.allocUnsafe(nfc.length * 2);
    let n = 0;
    for (let i = 0; i < nfc.length; i++) {
      let cp = nfc.charCodeAt(i);
      if (cp >= 0xd800 && cp < 0xdc00) {
        cp = nfc.codePointAt(i)!;
        if (cp > 0xffff) i++; // a pair; a lone high surrogate stays one code point, as for…of gives it
      }
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
      const found = this.font.glyph(cp);
      const glyph = found ?? this.font.fallbackGlyph;
      if (!this.glyphs.has(glyph.gid)) {
        this.glyphs.set(glyph.gid, { advance: glyph.advance, text: found ? String.fromCodePoint(cp) : '?' });
        // A digit brings all ten: signing times then share one subset, and the cache below hits.
        if (cp >= 0x30 && cp <= 0x39) for (let d = 0x30; d <= 0x39; d++) this.addGlyph(d);
      }
      out[n++] = glyph.gid >> 8;
      out[n++] = glyph.gid & 0xff;
    }
    return n === out.length ? out : out.subarray(0, n);
  }

  /**
   * What `encode(characters)` adds to the subset, without encoding: the glyphs a character set
   * brings are looked up once per font and set (a canvas preparing every Vietnamese character
   * for each copy would otherwise look up some two hundred characters every time).
   */
  include(characters: string): void {
    let perFont = preparedSets.get(this.font);
    if (!perFont) preparedSets.set(this.font, (perFont = new Map()));
    let set = perFont.get(characters);
    if (!set) {
      const probe = new FontSubset(this.font, '');
      probe.encode(characters);
      set = { glyphs: [...probe.glyphs] };
      if (perFont.size >= PREPARED_SETS_MAX) perFont.clear();
      perFont.set(characters, set);
    }
    this.prepared = this.glyphs.size === 0 ? set : undefined;
    for (const [gid, g] of set.glyphs) if (!this.glyphs.has(gid)) this.glyphs.set(gid, g);
  }

  /** The glyph ids in order and the cache key of this subset; a prepared set's are computed once. */
  private identity(): PreparedIdentity {
    const make = (): PreparedIdentity => {
      const gids = [...this.glyphs.keys()].sort((a, b) => a - b);
      // Two code points can share a glyph (e.g. space and no-break space): the mapped text is part of the key.
      return { gids, key: `${this.font.postscriptName}|${gids.map((g) => `${g}:${this.glyphs.get(g)!.text}`).join(',')}` };
    };
    // glyphs are only ever added: a subset as large as the set it was prepared with is that set
    const p = this.prepared;
    if (!p || this.glyphs.size !== p.glyphs.length) return make();
    return (p.identity ??= make());
  }

  private addGlyph(cp: number): void {
    const g = this.font.glyph(cp);
    if (g && !this.glyphs.has(g.gid)) this.glyphs.set(g.gid, { advance: g.advance, text: String.fromCodePoint(cp) });
  }

  /** Builds the five objects (font file, descriptor, CID font, ToUnicode, Type0), Type0 last. */
  build(): PdfObjectSpec[] {
    const f = this.font;
    const { gids, key } = this.identity();
    const streams = cachedStreams(f, key, () => {
      const file = f.file.subset(gids);
      return {
        file: deflateSync(file),
        length1: file.length,
        toUnicode: deflateSync(Buffer.from(this.toUnicodeCMap(gids), 'latin1')),
        built: new Map(),
      };
    });
    // The five objects depend on the glyph set and the id prefix only, and are never modified
    // (bundles are read by the writers): a canvas drawing the same set again reuses them.
    let objects = streams.built.get(this.idPrefix);
    if (!objects) {
      objects = this.objects(gids, key, streams);
      if (streams.built.size >= BUILT_PER_SUBSET_MAX) streams.built.clear();
      streams.built.set(this.idPrefix, objects);
    }
    return [...objects];
  }

  private objects(gids: readonly number[], key: string, streams: SubsetStreams): readonly PdfObjectSpec[] {
    const f = this.font;
    const scale = 1000 / f.unitsPerEm;
    const tag = subsetTag(key);
    const baseFont = `${tag}+${f.postscriptName}`;
    const p = this.idPrefix;

    const fontFile: PdfObjectSpec = streamObject(`${p}.file`, streams.file, { Length1: streams.length1, Filter: pdfName('FlateDecode') });
    const descriptor: PdfObjectSpec = {
      id: `${p}.descriptor`,
      dict: pdfDict({
        Type: pdfName('FontDescriptor'),
        FontName: pdfName(baseFont),
        // §9.8.2 Table 123: Symbolic (bit 3) for a CID font; Serif (bit 2) when it is one.
        Flags: 4 | (f.serif ? 2 : 0),
        FontBBox: f.bbox.map((v) => Math.round(v * scale)),
        ItalicAngle: f.italicAngle,
        Ascent: Math.round(f.ascent * scale),
        Descent: Math.round(f.descent * scale),
        CapHeight: Math.round(f.capHeight * scale),
        StemV: 80,
        FontFile2: pdfRef(fontFile.id),
      }),
    };
    // §9.7.4.3: runs "c [w1 w2 …]" of consecutive CIDs; /DW covers .notdef and unused ids.
    const w: PdfValue[] = [];
    let run: number[] = [];
    let runStart = -2;
    gids.forEach((g, i) => {
      if (i > 0 && g === gids[i - 1]! + 1) run.push(this.width(g, scale));
      else {
        if (run.length) w.push(runStart, run);
        runStart = g;
        run = [this.width(g, scale)];
      }
    });
    if (run.length) w.push(runStart, run);
    const cidFont: PdfObjectSpec = {
      id: `${p}.cidfont`,
      dict: pdfDict({
        Type: pdfName('Font'),
        Subtype: pdfName('CIDFontType2'),
        BaseFont: pdfName(baseFont),
        CIDSystemInfo: pdfDict({ Registry: pdfString('Adobe'), Ordering: pdfString('Identity'), Supplement: 0 }),
        FontDescriptor: pdfRef(descriptor.id),
        DW: 0,
        W: w,
        CIDToGIDMap: pdfName('Identity'),
      }),
    };
    const toUnicode = streamObject(`${p}.tounicode`, streams.toUnicode, { Filter: pdfName('FlateDecode') });
    const type0: PdfObjectSpec = {
      id: this.fontId,
      dict: pdfDict({
        Type: pdfName('Font'),
        Subtype: pdfName('Type0'),
        BaseFont: pdfName(baseFont),
        Encoding: pdfName('Identity-H'),
        DescendantFonts: [pdfRef(cidFont.id)],
        ToUnicode: pdfRef(toUnicode.id),
      }),
    };
    return [fontFile, descriptor, cidFont, toUnicode, type0];
  }

  private width(gid: number, scale: number): number {
    return Math.round(this.glyphs.get(gid)!.advance * scale);
  }

  /** §9.10.3 / Adobe TN 5411: bfchar entries, at most 100 per block, UTF-16BE targets. */
  private toUnicodeCMap(gids: readonly number[]): string {
    const entries: string[] = [];
    for (const g of gids) {
      const text = this.glyphs.get(g)!.text;
      if (text) entries.push(`<${hex4(g)}> <${utf16beHex(text)}>`);
    }
    const blocks: string[] = [];
    for (let i = 0; i < entries.length; i += 100) {
      const chunk = entries.slice(i, i + 100);
      blocks.push(`${chunk.length} beginbfchar\n${chunk.join('\n')}\nendbfchar`);
    }
    return [
      '/CIDInit /ProcSet findresource begin',
      '12 dict begin',
      'begincmap',
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
      '/CMapName /Adobe-Identity-UCS def',
      '/CMapType 2 def',
      '1 begincodespacerange',
      '<0000> <FFFF>',
      'endcodespacerange',
      ...blocks,
      'endcmap',
      'CMapName currentdict /CMap defineresource pop',
      'end',
      'end',
      '',
    ].join('\n');
  }
}

/**
 * Small LRU of encoded subsets per (font, glyph set): a batch stamping one official's name on
 * many documents builds the font program once.
 */
interface SubsetStreams {
  file: Buffer;
  length1: number;
  toUnicode: Buffer;
  /** The built objects per id prefix. */
  built: Map<string, readonly PdfObjectSpec[]>;
}
const BUILT_PER_SUBSET_MAX = 16;
/** Per font, the glyphs (in encoding order) each prepared character set brings; entries are never modified. */
interface PreparedIdentity {
  readonly gids: readonly number[];
  readonly key: string;
}
interface PreparedSet {
  readonly glyphs: ReadonlyArray<readonly [number, { readonly advance: number; readonly text: string }]>;
  /** Sorted glyph ids and subset key of exactly this set, once a subset of it alone was built. */
  identity?: PreparedIdentity;
}
const preparedSets = new WeakMap<LoadedFont, Map<string, PreparedSet>>();
const PREPARED_SETS_MAX = 8;
const SUBSET_CACHE_MAX = 64;
const subsetCache = new Map<string, SubsetStreams>();
const fontIds = new WeakMap<LoadedFont, number>();
let nextFontId = 1;

function cachedStreams(font: LoadedFont, key: string, make: () => SubsetStreams): SubsetStreams {
  let fid = fontIds.get(font);
  if (fid === undefined) {
    fid = nextFontId++;
    fontIds.set(font, fid);
  }
  const k = `${fid}|${key}`;
  const hit = subsetCache.get(k);
  if (hit) {
    subsetCache.delete(k);
    subsetCache.set(k, hit);
    return hit;
  }
  const v = make();
  subsetCache.set(k, v);
  if (subsetCache.size > SUBSET_CACHE_MAX) subsetCache.delete(subsetCache.keys().next().value!);
  return v;
}

function streamObject(id: string, data: Buffer, extra: Record<string, PdfValue>): PdfObjectSpec {
  return { id, dict: pdfDict({ ...extra, Length: data.length }), stream: data };
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function utf16beHex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += hex4(text.charCodeAt(i));
  return out;
}

/** §9.6.4: six uppercase letters, here derived from the glyph set so output is deterministic. */
function subsetTag(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  let tag = '';
  for (let i = 0; i < 6; i++) tag += String.fromCharCode(65 + (h[i]! % 26));
  return tag;
}
