import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { LoadedFont } from './fonts.js';
import { pdfDict, pdfName, pdfRef, pdfString, type PdfObjectSpec } from './model.js';

/**
 * Embeds the glyphs one appearance uses as a composite font (ISO 32000-1 §9.7):
 * Type0 /Identity-H → CIDFontType2 (/CIDToGIDMap /Identity) → FontDescriptor → FontFile2 (a
 * TrueType subset made by fontkit), plus a ToUnicode CMap (§9.10.3) so text extraction returns
 * the exact NFC text. CIDs are the subset's glyph ids, assigned in order of first use, so the
 * content stream can be written before the subset file exists.
 */
export class FontSubset {
  private readonly subset: ReturnType<LoadedFont['fontkitFont']['createSubset']>;
  /** full-font gid → cid (= subset gid) */
  private readonly cidOfGid = new Map<number, number>();
  /** cid → advance (font units) and unicode text */
  private readonly cidInfo: { advance: number; text: string }[] = [];

  constructor(
    readonly font: LoadedFont,
    /** Prefix for the symbolic object ids (unique within the bundle). */
    readonly idPrefix: string,
  ) {
    this.subset = font.fontkitFont.createSubset();
    // fontkit puts .notdef at subset gid 0.
    this.cidInfo[0] = { advance: font.fontkitFont.getGlyph(0).advanceWidth, text: '' };
  }

  get used(): boolean {
    return this.cidInfo.length > 1;
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
    const codes: number[] = [];
    for (const ch of text.normalize('NFC')) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
      const { glyph, substituted } = this.font.glyphOrFallback(cp);
      let cid = this.cidOfGid.get(glyph.gid);
      if (cid === undefined) {
        cid = this.subset.includeGlyph(glyph.gid);
        if (cid !== this.cidInfo.length) throw new Error('font subset: unexpected glyph numbering');
        this.cidOfGid.set(glyph.gid, cid);
        this.cidInfo[cid] = { advance: glyph.advance, text: substituted ? '?' : ch };
      }
      codes.push(cid);
    }
    const out = Buffer.alloc(codes.length * 2);
    codes.forEach((c, i) => out.writeUInt16BE(c, i * 2));
    return out;
  }

  /** Builds the five objects; call once, after all text was encoded. */
  async build(): Promise<PdfObjectSpec[]> {
    const file = await encodeSubset(this.subset);
    // fontkit tags the sfnt 'true' (Apple); 0x00010000 is the tag every PDF consumer expects for
    // TrueType outlines (OpenType spec, "Organization of an OpenType Font"); the tables are identical.
    if (file.toString('latin1', 0, 4) === 'true') file.writeUInt32BE(0x00010000, 0);
    const f = this.font;
    const scale = 1000 / f.unitsPerEm;
    const gids = [...this.cidOfGid.keys()].sort((a, b) => a - b).join(',');
    const tag = subsetTag(`${f.postscriptName}|${gids}`);
    const baseFont = `${tag}+${f.postscriptName}`;
    const p = this.idPrefix;

    const fontFile: PdfObjectSpec = streamObject(`${p}.file`, deflateSync(file), { Length1: file.length, Filter: pdfName('FlateDecode') });
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
    const cidFont: PdfObjectSpec = {
      id: `${p}.cidfont`,
      dict: pdfDict({
        Type: pdfName('Font'),
        Subtype: pdfName('CIDFontType2'),
        BaseFont: pdfName(baseFont),
        CIDSystemInfo: pdfDict({ Registry: pdfString('Adobe'), Ordering: pdfString('Identity'), Supplement: 0 }),
        FontDescriptor: pdfRef(descriptor.id),
        // §9.7.4.3: one run "0 [w0 w1 …]" since CIDs are dense.
        W: [0, this.cidInfo.map((c) => Math.round(c.advance * scale))],
        CIDToGIDMap: pdfName('Identity'),
      }),
    };
    const toUnicode = streamObject(`${p}.tounicode`, deflateSync(Buffer.from(this.toUnicodeCMap(), 'latin1')), {
      Filter: pdfName('FlateDecode'),
    });
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

  /** §9.10.3 / Adobe TN 5411: bfchar entries, at most 100 per block, UTF-16BE targets. */
  private toUnicodeCMap(): string {
    const entries: string[] = [];
    this.cidInfo.forEach((c, cid) => {
      if (cid === 0 || !c.text) return;
      entries.push(`<${hex4(cid)}> <${utf16beHex(c.text)}>`);
    });
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

function streamObject(id: string, data: Buffer, extra: Record<string, import('./model.js').PdfValue>): PdfObjectSpec {
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

/** fontkit 1.x only offers a stream encoder (it encodes on the next tick). */
function encodeSubset(subset: { encodeStream(): { on(ev: 'data' | 'end', cb: (d: Uint8Array) => unknown): unknown } }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const s = subset.encodeStream() as { on(ev: string, cb: (d: Uint8Array) => unknown): unknown };
    s.on('data', (d: Uint8Array) => parts.push(Buffer.from(d)));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
  });
}
