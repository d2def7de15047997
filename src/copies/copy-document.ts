import fontkit from '@pdf-lib/fontkit';
import { ParseSpeeds, PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFString, type PDFPage, type PDFRef } from 'pdf-lib';
import { AppError } from '../core/errors.js';
import { AppearanceCanvas, LoadedFont, VIETNAMESE_CHARACTERS, mm, type Rect } from '../pdf/appearance/index.js';
import { registerBundle } from './pdf-lib-bundle.js';
import { qrModules } from './qr-modules.js';
import { addAnnotation, overlayForm } from './pdf-lib-page.js';
import { statementText, type StatementInput, type StatementPlacement } from './statement.js';
import { lastPageContentBottom } from './last-page-room.js';
import { layoutStatement, type StatementLayout, type StatementStamps } from './statement-layout.js';

/**
 * Builds the unsigned certified copy: the original's pages copied unchanged, the certification
 * statement, a QR code and the verification code leading to the public lookup, and two EMPTY
 * signature fields — the certifier's and the authority's seal — created before the first
 * signature. The first signature certifies with DocMDP P=2 (ISO 32000-1 §12.8.2.2), which
 * allows signing pre-existing fields only: creating the seal field later would be a violation.
 *
 * The statement goes at the bottom of the original's last page when the free band there holds
 * it (as a paper copy is stamped on its last page), otherwise on one added page; the statement
 * says which, and how many pages the copy has. A copy of more than one page carries a mark in
 * the bottom margin of every page — its certification number and "trang x/y" — the electronic
 * counterpart of the seam seal (dấu giáp lai) that joins the sheets of a paper copy (Decree
 * 23/2015/NĐ-CP Art. 20 practice).
 *
 * A new document (not an incremental update of the original) because the copy is a new document
 * issued by the authority; the original's hash is recorded in the register.
 */
export interface CopyFonts {
  readonly regular: Uint8Array;
  readonly bold: Uint8Array;
}

/** Widget rectangles [x, y, width, height] in points on the statement page. */
export interface CopyLayout {
  readonly statementPage: number;
  readonly copyPages: number;
  readonly onAddedPage: boolean;
  readonly certifierField: string;
  readonly authorityField: string;
  readonly certifierRect: readonly [number, number, number, number];
  readonly authorityRect: readonly [number, number, number, number];
}

export interface BuiltCopy {
  readonly pdf: Buffer;
  readonly layout: CopyLayout;
}

export interface CopyStampSettings {
  /** The seal's real diameter in millimetres. */
  readonly sealDiameterMm: number;
  readonly hasSealImage: boolean;
  /** Pixel size of the certifier's signature image, when there is one. */
  readonly signatureImageSize?: { readonly width: number; readonly height: number };
}

export interface CopyDocumentInput {
  readonly original: Buffer;
  /** `original` already parsed (at intake, ./intake.ts); read only. Parsed here when absent. */
  readonly parsed?: PDFDocument;
  readonly statement: StatementInput;
  readonly fonts: CopyFonts;
  readonly lookupUrl: string;
  readonly stamps: CopyStampSettings;
}

const A4: [number, number] = [595.28, 841.89];
// Decree 30/2020 Appendix I §I.5: margins top/bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
const MARGIN = { top: mm(25), bottom: mm(20), left: mm(30), right: mm(20) };
/** Space kept between the original's content and the statement. */
const CLEARANCE = 14;
const PAGE_MARK_SIZE = 7;
export const CERTIFIER_FIELD = 'ChungThuc_NguoiThucHien';
export const AUTHORITY_FIELD = 'ChungThuc_CoQuan';

/** The copy's text fonts, parsed once per font file (the same bytes for every copy of the process). */
const loadedFonts = new WeakMap<Uint8Array, LoadedFont>();
function loaded(bytes: Uint8Array): LoadedFont {
  let f = loadedFonts.get(bytes);
  if (!f) {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    loadedFonts.set(bytes, (f = new LoadedFont(fontkit.create(buf), buf, { serif: true })));
  }
  return f;
}

export async function buildCopyDocument(input: CopyDocumentInput): Promise<BuiltCopy> {
  const src =
    input.parsed ??
    (await PDFDocument.load(input.original, { ignoreEncryption: true, updateMetadata: false, parseSpeed: ParseSpeeds.Fastest }));
  if (src.isEncrypted) throw new AppError('PDF_ENCRYPTED', 'the original PDF is encrypted');
  const originalPages = src.getPageCount();
  const stamps: StatementStamps = {
    sealDiameter: mm(input.stamps.sealDiameterMm),
    hasSealImage: input.stamps.hasSealImage,
    ...(input.stamps.signatureImageSize ? { signatureImageSize: input.stamps.signatureImageSize } : {}),
    authorityName: input.statement.authorityName,
    certifierName: input.statement.certifierName,
  };

  // First choice: the bottom of the original's last page.
  const last = src.getPage(originalPages - 1);
  const { width: lastW } = last.getSize();
  const lastBox = last.getMediaBox();
  const contentBottom =
    last.getRotation().angle % 360 === 0 && lastW >= 500
      ? await lastPageContentBottom(input.original, last.node, originalPages - 1)
      : undefined;
  // Annotations (form fields, earlier signatures' widgets) are not page content but are shown: keep clear of them too.
  const bottom = contentBottom === undefined ? undefined : Math.min(contentBottom, ...annotationBottoms(last));
  let placement: StatementPlacement = { copyPages: originalPages, statementPage: originalPages, onAddedPage: false };
  let layout: StatementLayout | undefined;
  let text = statementText(input.statement, placement);
  if (bottom !== undefined) {
    const frame = {
      left: lastBox.x + MARGIN.left,
      right: lastBox.x + lastW - MARGIN.right,
      top: Math.min(bottom - CLEARANCE, lastBox.y + lastBox.height - MARGIN.top),
    };
    const trial = layoutStatement(text, frame, stamps);
    if (trial.bottom >= lastBox.y + MARGIN.bottom) layout = trial;
  }
  if (!layout) {
    placement = { copyPages: originalPages + 1, statementPage: originalPages + 1, onAddedPage: true };
    text = statementText(input.statement, placement);
    layout = layoutStatement(text, { left: MARGIN.left, right: A4[0] - MARGIN.right, top: A4[1] - MARGIN.top }, stamps);
    if (layout.bottom < MARGIN.bottom)
      throw new AppError('VALIDATION_FAILED', 'the statement does not fit one page: shorten the document title or issuer');
  }

  const doc = await PDFDocument.create();
  doc.setProducer('kyso');
  doc.setTitle(`Bản sao chứng thực: ${text.body[0] ?? ''}`.slice(0, 200));
  for (const p of await doc.copyPages(src, src.getPageIndices())) doc.addPage(p);
  const fonts = { regular: loaded(input.fonts.regular), bold: loaded(input.fonts.bold) };
  const page = placement.onAddedPage ? doc.addPage(A4) : doc.getPage(placement.statementPage - 1);
  const shared = new Map<Buffer, PDFRef>();

  const box = page.getMediaBox();
  const statement = pageCanvas(box, [fonts.regular, fonts.bold], 'st');
  for (const l of layout.lines) statement.text(l.text, l.x - box.x, l.y - box.y, fonts[l.font], l.size);
  drawQr(statement, input.lookupUrl, { ...layout.qr, x: layout.qr.x - box.x, y: layout.qr.y - box.y });
  paint(doc, page, statement, shared);
  if (placement.copyPages > 1) {
    doc.getPages().forEach((p, i) => {
      const pageBox = p.getMediaBox();
      const mark = pageCanvas(pageBox, [fonts.regular], `pm${i}`);
      drawPageMark(mark, pageBox, text.pageMark(i + 1), fonts.regular);
      paint(doc, p, mark, shared);
    });
  }

  const rectOf = (r: { x: number; y: number; width: number; height: number }): [number, number, number, number] => [
    r.x,
    r.y,
    r.width,
    r.height,
  ];
  const certifierRect = rectOf(layout.certifierRect);
  const authorityRect = rectOf(layout.authorityRect);
  addEmptySignatureField(doc, page, CERTIFIER_FIELD, certifierRect);
  addEmptySignatureField(doc, page, AUTHORITY_FIELD, authorityRect);
  // objectsPerTick: pdf-lib otherwise waits a timer tick (≥ 1 ms) every 50 objects it writes.
  // updateFieldAppearances: the only fields are the empty signature fields, which have none to
  // update, and the update would embed pdf-lib's default form font (Helvetica), unused, in every copy.
  const pdf = Buffer.from(await doc.save({ useObjectStreams: false, objectsPerTick: Infinity, updateFieldAppearances: false }));
  return {
    pdf,
    layout: {
      statementPage: placement.statementPage,
      copyPages: placement.copyPages,
      onAddedPage: placement.onAddedPage,
      certifierField: CERTIFIER_FIELD,
      authorityField: AUTHORITY_FIELD,
      certifierRect,
      authorityRect,
    },
  };
}

/** Lower edges of a page's annotation rectangles (ISO 32000-1 §12.5.2 /Rect), ignoring malformed ones. */
function annotationBottoms(page: PDFPage): number[] {
  const annots = page.node.Annots();
  if (!annots) return [];
  const out: number[] = [];
  for (let i = 0; i < annots.size(); i++) {
    const annot = annots.lookup(i);
    if (!(annot instanceof PDFDict)) continue;
    const rect = annot.lookup(PDFName.of('Rect'));
    if (!(rect instanceof PDFArray) || rect.size() !== 4) continue;
    const ys = [1, 3].map((k) => rect.lookup(k));
    if (ys.every((y): y is PDFNumber => y instanceof PDFNumber)) out.push(Math.min(ys[0]!.asNumber(), ys[1]!.asNumber()));
  }
  return out;
}

/**
 * A canvas covering a page's MediaBox (its origin at the box's lower-left corner) whose font
 * subsets hold every Vietnamese character (VIETNAMESE_CHARACTERS): for statement text within that
 * set — names and titles are user input — each font program is built once per process and reused
 * (see AppearanceCanvas.prepareGlyphs); other characters extend the subset of that copy.
 */
function pageCanvas(box: Rect, fonts: readonly LoadedFont[], idPrefix: string): AppearanceCanvas {
  const c = new AppearanceCanvas(box.width, box.height, `${idPrefix}.`);
  for (const f of fonts) c.prepareGlyphs(f, VIETNAMESE_CHARACTERS);
  return c;
}

/** Paints a finished canvas over the page's content: a form XObject (ISO 32000-1 §8.10) drawn once at the MediaBox origin. */
function paint(doc: PDFDocument, page: PDFPage, canvas: AppearanceCanvas, shared: Map<Buffer, PDFRef>): void {
  const box = page.getMediaBox();
  overlayForm(page, registerBundle(doc.context, canvas.finishSync(), shared), box.x, box.y);
}

/** The seam mark: bottom margin, right-aligned, small (it must not cover the original's content). */
function drawPageMark(canvas: AppearanceCanvas, box: Rect, mark: string, font: LoadedFont): void {
  const w = font.widthOf(mark, PAGE_MARK_SIZE);
  canvas.text(mark, box.width - mm(10) - w, mm(6), font, PAGE_MARK_SIZE, [0.2, 0.2, 0.2]);
}

/**
 * The QR code on a white square; each row's runs of dark modules are one rectangle, all filled as
 * one path drawn in module units (one module = one unit, the quiet zone's lower-left corner at the
 * origin) under one scaling transform.
 */
function drawQr(canvas: AppearanceCanvas, data: string, at: Rect): void {
  const qr = qrModules(data);
  const n = qr.size;
  const quiet = 2;
  const side = n + 2 * quiet;
  canvas.fillRect(at, [1, 1, 1]);
  const runs: Rect[] = [];
  for (let r = 0; r < n; r++) {
    const row = r * n;
    for (let c = 0; c < n;) {
      if (!qr.dark[row + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && qr.dark[row + c]) c++;
      runs.push({ x: start + quiet, y: side - quiet - 1 - r, width: c - start, height: 1 });
    }
  }
  canvas.fillRectsScaled(runs, at.width / side, at.x, at.y, [0, 0, 0]);
}

/** An unsigned signature field whose widget is its own field dictionary (ISO 32000-1 §12.7.4.5). */
function addEmptySignatureField(doc: PDFDocument, page: PDFPage, name: string, rect: readonly [number, number, number, number]): PDFRef {
  const [x, y, w, h] = rect;
  const field = doc.context.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    T: PDFString.of(name),
    Rect: [x, y, x + w, y + h],
    F: 4,
    P: page.ref,
  });
  const ref = doc.context.register(field);
  addAnnotation(page, ref);
  // The interactive form dictionary itself (ISO 32000-1 §12.7.2): pdf-lib's PDFForm wrapper
  // around it (an XFA check, a cache for a default font) serves nothing here.
  const acroForm = doc.catalog.getOrCreateAcroForm();
  acroForm.addField(ref);
  acroForm.dict.set(PDFName.of('SigFlags'), doc.context.obj(1));
  return ref;
}
