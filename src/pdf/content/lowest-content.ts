import { inflateSync } from 'node:zlib';
import {
  PDFArray,
  PDFDict,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFStream,
  decodePDFRawStream,
  type PDFContext,
  type PDFObject,
  type PDFPageLeaf,
} from 'pdf-lib';
import { Parser } from '../syntax/parser.js';
import { PdfName, PdfString } from '../syntax/objects.js';
import { IDENTITY, boxOfRect, isUsable, multiply, transformBox, type Box, type Matrix } from './box.js';

/**
 * The lowest y (default user space) of what a page's content streams draw — the top of its visible
 * area when they draw nothing — found by reading the
 * content streams directly (ISO 32000-1 §8, §9.4) instead of through pdf.js: a few operators per
 * line of a typical page, no font programs loaded. It answers the question page-geometry.ts answers
 * for the copy's statement placement — the y0 of contentBounds() — with the same box rules (text:
 * a quarter of the size below the baseline to one size above it; images: the unit square under
 * the CTM; painted paths: their points under the CTM; annotations excluded; boxes outside the
 * visible area ignored), and errs low where it cannot be exact: a Bézier curve counts its control
 * points, a text run counts whatever its glyphs (only an empty string, or spaces of a simple font,
 * are skipped), a text run's horizontal extent is never needed (it is not compared with the page's
 * sides). Lower is safe: the statement then sits lower or on an added page, never over content.
 *
 * Whatever it does not model exactly gives `'unsupported'`, and the caller asks pdf.js: text whose
 * baseline is not horizontal in user space (its extent downwards depends on glyph widths),
 * vertical writing, Type 3 fonts, inline images, shadings, fonts and soft masks set by an ExtGState, unknown
 * operators outside BX/EX, filters with parameters, content beyond the limits, and any syntax error.
 */
export type LowestContent = number | 'unsupported';

const MAX_CONTENT_BYTES = 16 * 1024 * 1024;
const MAX_OPERATORS = 1_000_000;
/** Wall-clock budget: a page that takes longer is handed to pdf.js, which has its own deadline. */
const BUDGET_MS = 250;
const MAX_FORM_DEPTH = 8;

class Unsupported extends Error {}

interface TextState {
  font: FontKind | undefined;
  size: number;
  hScale: number;
  leading: number;
  rise: number;
}

/** Whether code 32 of a one-byte string is a space (a run of them draws nothing visible), or nothing is known of the codes. */
type FontKind = 'space-at-32' | 'opaque';

interface State {
  ctm: Matrix;
  text: TextState;
}

export function lowestDrawnY(page: PDFPageLeaf): LowestContent {
  try {
    const context = page.context;
    const view = visibleArea(page);
    const resources = page.getInheritableAttribute(PDFName.of('Resources'));
    const scan = new Scan(context, view);
    scan.run(contentBytes(context, page.get(PDFName.of('Contents'))), context.lookupMaybe(resources, PDFDict), IDENTITY, 0);
    return scan.lowest === Infinity ? view.y1 : scan.lowest;
  } catch {
    return 'unsupported';
  }
}

/** CropBox ∩ MediaBox, as pdf.js's page.view (ISO 32000-1 §14.11.2). */
function visibleArea(page: PDFPageLeaf): Box {
  const rect = (name: string): Box | undefined => {
    const a = page.context.lookupMaybe(page.getInheritableAttribute(PDFName.of(name)), PDFArray);
    if (!a || a.size() !== 4) return undefined;
    const n = [0, 1, 2, 3].map((i) => page.context.lookup(a.get(i), PDFNumber).asNumber());
    return boxOfRect(n);
  };
  const media = rect('MediaBox');
  if (!media) throw new Unsupported();
  const crop = rect('CropBox');
  if (!crop) return media;
  const v = {
    x0: Math.max(media.x0, crop.x0),
    y0: Math.max(media.y0, crop.y0),
    x1: Math.min(media.x1, crop.x1),
    y1: Math.min(media.y1, crop.y1),
  };
  return v.x1 > v.x0 && v.y1 > v.y0 ? v : media;
}

/** The decoded bytes of a content stream or array of streams, joined by white-space (§7.8.2). */
function contentBytes(context: PDFContext, contents: PDFObject | undefined): Buffer {
  const value = contents instanceof PDFRef ? context.lookup(contents) : contents;
  if (value === undefined) return Buffer.alloc(0);
  if (value instanceof PDFArray) {
    const parts: Buffer[] = [];
    let total = 0;
    for (let i = 0; i < value.size(); i++) {
      const part = decoded(context.lookup(value.get(i)));
      total += part.length + 1;
      if (total > MAX_CONTENT_BYTES) throw new Unsupported();
      parts.push(part, Buffer.from('\n'));
    }
    return Buffer.concat(parts);
  }
  return decoded(value);
}

function decoded(stream: PDFObject | undefined): Buffer {
  if (!(stream instanceof PDFRawStream)) throw new Unsupported();
  const dict = stream.dict;
  if (dict.get(PDFName.of('DecodeParms')) !== undefined) throw new Unsupported();
  const filter = dict.lookup(PDFName.of('Filter'));
  const raw = stream.contents;
  if (filter === undefined) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (filter === PDFName.of('FlateDecode')) {
    return inflateSync(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), { maxOutputLength: MAX_CONTENT_BYTES });
  }
  const out = decodePDFRawStream(stream).decode();
  if (out.length > MAX_CONTENT_BYTES) throw new Unsupported();
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

const PAINT = new Set(['S', 's', 'f', 'F', 'f*', 'B', 'B*', 'b', 'b*']);
/** Operators that change nothing this scan measures (§8.4.4 Table 57, §8.6.8, §14.6 Table 320, §9.3.1). */
const IGNORED = new Set([
  'w',
  'J',
  'j',
  'M',
  'd',
  'ri',
  'i',
  'CS',
  'cs',
  'SC',
  'SCN',
  'sc',
  'scn',
  'G',
  'g',
  'RG',
  'rg',
  'K',
  'k',
  'MP',
  'DP',
  'BMC',
  'BDC',
  'EMC',
  'W',
  'W*',
  'Tc',
  'Tw',
  'Tr',
  'ET',
]);

class Scan {
  lowest = Infinity;
  private operators = 0;
  private readonly deadline = Date.now() + BUDGET_MS;
  private readonly forms = new Set<PDFRef>();
  private readonly fonts = new Map<PDFDict, FontKind>();

  constructor(
    private readonly context: PDFContext,
    private readonly view: Box,
  ) {}

  run(bytes: Buffer, resources: PDFDict | undefined, ctm: Matrix, depth: number): void {
    const p = new Parser(bytes, 0, undefined, bytes.length, this.deadline);
    const operands: unknown[] = [];
    const stack: State[] = [];
    let s: State = { ctm, text: { font: undefined, size: 0, hScale: 1, leading: 0, rise: 0 } };
    let tm: Matrix = IDENTITY;
    let tlm: Matrix = IDENTITY;
    let path: Box | undefined;
    let compat = 0;
    const num = (i: number): number => {
      const v = operands[operands.length - i];
      if (typeof v !== 'number') throw new Unsupported();
      return v;
    };
    const point = (x: number, y: number): void => {
      const b = transformBox({ x0: x, y0: y, x1: x, y1: y }, s.ctm);
      path = path
        ? { x0: Math.min(path.x0, b.x0), y0: Math.min(path.y0, b.y0), x1: Math.max(path.x1, b.x1), y1: Math.max(path.y1, b.y1) }
        : b;
    };
    const moveText = (tx: number, ty: number): void => {
      tlm = multiply([1, 0, 0, 1, tx, ty], tlm);
      tm = tlm;
    };
    const show = (strings: PdfString[]): void => {
      const t = s.text;
      if (t.font === undefined) throw new Unsupported();
      if (strings.every((str) => str.bytes.length === 0 || (t.font === 'space-at-32' && str.bytes.every((b) => b === 0x20)))) return;
      const m = multiply(tm, s.ctm);
      // §9.4.4: Trm = [Tfs×Th 0 0 Tfs 0 Trise] × Tm × CTM. With no rotation or skew the baseline is
      // horizontal: glyph advances move along x only, and the run's vertical extent needs no widths.
      if (m[1] !== 0 || m[2] !== 0 || t.size === 0 || t.hScale === 0) throw new Unsupported();
      const d = t.size * m[3];
      const f = t.rise * m[3] + m[5];
      const y0 = Math.min(f - 0.25 * d, f + d);
      const y1 = Math.max(f - 0.25 * d, f + d);
      // The run's horizontal extent is unknown here: only the vertical overlap with the page counts.
      if (y1 > this.view.y0 && y0 < this.view.y1) this.lowest = Math.min(this.lowest, y0);
    };
    for (;;) {
      p.skipWs();
      if (p.pos >= bytes.length) break;
      const c = bytes[p.pos]!;
      const operand =
        c === 0x2f || c === 0x28 || c === 0x3c || c === 0x5b || c === 0x2b || c === 0x2d || c === 0x2e || (c >= 0x30 && c <= 0x39);
      if (operand) {
        operands.push(p.parseObject());
        continue;
      }
      const op = p.regularToken();
      if (op === '') throw new Unsupported();
      if (op === 'true' || op === 'false' || op === 'null') {
        operands.push(op);
        continue;
      }
      if (++this.operators > MAX_OPERATORS || ((this.operators & 4095) === 0 && Date.now() > this.deadline)) throw new Unsupported();
      switch (op) {
        case 'q':
          stack.push({ ctm: s.ctm, text: { ...s.text } });
          break;
        case 'Q':
          s = stack.pop() ?? s;
          break;
        case 'cm':
          s = { ...s, ctm: multiply([num(6), num(5), num(4), num(3), num(2), num(1)], s.ctm) };
          break;
        case 'm':
        case 'l':
          point(num(2), num(1));
          break;
        case 'c':
          point(num(6), num(5));
          point(num(4), num(3));
          point(num(2), num(1));
          break;
        case 'v':
        case 'y':
          point(num(4), num(3));
          point(num(2), num(1));
          break;
        case 're': {
          const [x, y, w, h] = [num(4), num(3), num(2), num(1)];
          point(x, y);
          point(x + w, y + h);
          point(x + w, y);
          point(x, y + h);
          break;
        }
        case 'h':
          break;
        case 'BT':
          tm = tlm = IDENTITY;
          break;
        case 'n':
          path = undefined;
          break;
        case 'Tf': {
          s.text = { ...s.text, font: this.fontKind(resources, operands[operands.length - 2]), size: num(1) };
          break;
        }
        case 'Tz':
          s.text = { ...s.text, hScale: num(1) / 100 };
          break;
        case 'TL':
          s.text = { ...s.text, leading: num(1) };
          break;
        case 'Ts':
          s.text = { ...s.text, rise: num(1) };
          break;
        case 'Td':
          moveText(num(2), num(1));
          break;
        case 'TD':
          s.text = { ...s.text, leading: -num(1) };
          moveText(num(2), num(1));
          break;
        case 'Tm':
          tlm = [num(6), num(5), num(4), num(3), num(2), num(1)];
          tm = tlm;
          break;
        case 'T*':
          moveText(0, -s.text.leading);
          break;
        case 'Tj':
        case "'":
          if (op === "'") moveText(0, -s.text.leading);
          show([this.stringOperand(operands[operands.length - 1])]);
          break;
        case '"':
          moveText(0, -s.text.leading);
          show([this.stringOperand(operands[operands.length - 1])]);
          break;
        case 'TJ': {
          const arr = operands[operands.length - 1];
          if (!Array.isArray(arr)) throw new Unsupported();
          show(arr.filter((x): x is PdfString => x instanceof PdfString));
          break;
        }
        case 'Do':
          this.xobject(resources, operands[operands.length - 1], s.ctm, depth);
          break;
        case 'gs':
          this.checkExtGState(resources, operands[operands.length - 1]);
          break;
        case 'BX':
          compat++;
          break;
        case 'EX':
          compat = Math.max(0, compat - 1);
          break;
        default:
          if (PAINT.has(op)) {
            if (path && isUsable(path) && overlaps(path, this.view)) this.lowest = Math.min(this.lowest, path.y0);
            path = undefined;
          } else if (!IGNORED.has(op) && compat === 0) throw new Unsupported();
      }
      operands.length = 0;
    }
  }

  private stringOperand(v: unknown): PdfString {
    if (!(v instanceof PdfString)) throw new Unsupported();
    return v;
  }

  private resource(resources: PDFDict | undefined, category: string, operand: unknown): PDFObject | undefined {
    if (!(operand instanceof PdfName)) throw new Unsupported();
    const dict = resources?.lookupMaybe(PDFName.of(category), PDFDict);
    return dict?.get(PDFName.of(operand.name));
  }

  /** Simple fonts (§9.6) and composite fonts (§9.7) written horizontally; anything else is unsupported. */
  private fontKind(resources: PDFDict | undefined, operand: unknown): FontKind {
    const font = this.context.lookupMaybe(this.resource(resources, 'Font', operand), PDFDict);
    if (!font) throw new Unsupported();
    let kind = this.fonts.get(font);
    if (kind) return kind;
    const subtype = font.lookupMaybe(PDFName.of('Subtype'), PDFName)?.asString();
    if (subtype === '/Type1' || subtype === '/TrueType' || subtype === '/MMType1') {
      // Code 32 is a space only when no /Differences can have renamed it (§9.6.6).
      const enc = font.lookup(PDFName.of('Encoding'));
      kind = enc instanceof PDFDict && enc.has(PDFName.of('Differences')) ? 'opaque' : 'space-at-32';
    } else if (subtype === '/Type0') {
      // §9.7.5.2: vertical CMaps (Identity-V, …-V, or an embedded CMap with /WMode 1) advance downwards.
      const enc = font.lookup(PDFName.of('Encoding'));
      if (enc instanceof PDFName && enc.asString().endsWith('-V')) throw new Unsupported();
      if (enc instanceof PDFStream && enc.dict.lookupMaybe(PDFName.of('WMode'), PDFNumber)?.asNumber() === 1) throw new Unsupported();
      if (!(enc instanceof PDFName) && !(enc instanceof PDFStream)) throw new Unsupported();
      kind = 'opaque';
    } else throw new Unsupported();
    this.fonts.set(font, kind);
    return kind;
  }

  private checkExtGState(resources: PDFDict | undefined, operand: unknown): void {
    const gs = this.context.lookupMaybe(this.resource(resources, 'ExtGState', operand), PDFDict);
    if (!gs) return;
    // §8.4.5: a font set here changes what Tj draws; a soft mask's group is never drawn, but pdf.js
    // lists its operators with the page's, and this reader is not to place statements higher than it.
    if (gs.has(PDFName.of('Font'))) throw new Unsupported();
    const smask = gs.lookup(PDFName.of('SMask'));
    if (smask !== undefined && smask !== PDFName.of('None')) throw new Unsupported();
  }

  /** §8.8 image XObjects: the unit square; §8.10 form XObjects: their content under /Matrix × CTM. */
  private xobject(resources: PDFDict | undefined, operand: unknown, ctm: Matrix, depth: number): void {
    const ref = this.resource(resources, 'XObject', operand);
    const xobj = ref instanceof PDFRef ? this.context.lookup(ref) : ref;
    if (!(xobj instanceof PDFStream)) throw new Unsupported();
    const subtype = xobj.dict.lookupMaybe(PDFName.of('Subtype'), PDFName)?.asString();
    if (subtype === '/Image') {
      const box = transformBox({ x0: 0, y0: 0, x1: 1, y1: 1 }, ctm);
      if (isUsable(box) && overlaps(box, this.view)) this.lowest = Math.min(this.lowest, box.y0);
      return;
    }
    if (subtype === '/PS') return;
    if (subtype !== '/Form' || !(ref instanceof PDFRef) || this.forms.has(ref) || depth >= MAX_FORM_DEPTH) throw new Unsupported();
    const m = xobj.dict.lookupMaybe(PDFName.of('Matrix'), PDFArray);
    const matrix = m ? ([0, 1, 2, 3, 4, 5].map((i) => this.context.lookup(m.get(i), PDFNumber).asNumber()) as unknown as Matrix) : IDENTITY;
    const own = xobj.dict.lookupMaybe(PDFName.of('Resources'), PDFDict);
    this.forms.add(ref);
    this.run(decoded(xobj), own ?? resources, multiply(matrix, ctm), depth + 1);
    this.forms.delete(ref);
  }
}

function overlaps(b: Box, view: Box): boolean {
  return b.x1 > view.x0 && b.x0 < view.x1 && b.y1 > view.y0 && b.y0 < view.y1;
}
