import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, PDFName, PDFString, rgb, type PDFFont, type PDFPage, type PDFRef } from 'pdf-lib';
import QRCode from 'qrcode';
import { AppError } from '../core/errors.js';
import type { StatementText } from './statement.js';

/**
 * Builds the unsigned certified copy: the original's pages copied unchanged, then an added last
 * page carrying the certification statement (a multi-page copy carries the statement on its
 * last page, DOMAIN.md), a QR code and the verification code leading to the public lookup, and
 * two EMPTY signature fields — the certifier's and the authority's seal — created before the
 * first signature. The first signature certifies with DocMDP P=2 (ISO 32000-1 §12.8.2.2), which
 * allows signing pre-existing fields only: creating the seal field later would be a violation.
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
  readonly certifierField: string;
  readonly authorityField: string;
  readonly certifierRect: readonly [number, number, number, number];
  readonly authorityRect: readonly [number, number, number, number];
}

export interface BuiltCopy {
  readonly pdf: Buffer;
  readonly layout: CopyLayout;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 64;
export const CERTIFIER_FIELD = 'ChungThuc_NguoiThucHien';
export const AUTHORITY_FIELD = 'ChungThuc_CoQuan';

export async function buildCopyDocument(original: Buffer, text: StatementText, fonts: CopyFonts, lookupUrl: string): Promise<BuiltCopy> {
  const src = await PDFDocument.load(original, { ignoreEncryption: true, updateMetadata: false });
  if (src.isEncrypted) throw new AppError('PDF_ENCRYPTED', 'the original PDF is encrypted');
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  doc.setProducer('kyso');
  doc.setTitle(`Bản sao chứng thực: ${text.body[0] ?? ''}`.slice(0, 200));
  const pages = await doc.copyPages(src, src.getPageIndices());
  for (const p of pages) doc.addPage(p);

  const regular = await doc.embedFont(fonts.regular, { subset: true });
  const bold = await doc.embedFont(fonts.bold, { subset: true });
  const page = doc.addPage(A4);
  const width = A4[0] - 2 * MARGIN;
  let y = A4[1] - 110;

  y = drawCentered(page, text.heading.toUpperCase(), bold, 14, y);
  y -= 18;
  for (const line of text.body) {
    for (const wrapped of wrap(line, regular, 12, width)) {
      page.drawText(wrapped, { x: MARGIN, y, size: 12, font: regular, color: rgb(0, 0, 0) });
      y -= 17;
    }
    y -= 3;
  }

  // Signature block on the right half (Decree 30/2020 Appendix I: title, signature, name).
  const colX = A4[0] / 2;
  const colW = A4[0] / 2 - MARGIN;
  y -= 16;
  y = drawCentered(page, text.signatureHeading.toUpperCase(), bold, 12, y, colX, colW);
  y = drawCentered(page, text.signatureHint, regular, 10, y + 2, colX, colW);
  const sigH = 96;
  const certifierRect: [number, number, number, number] = [colX + 40, y - sigH, colW - 50, sigH];
  // The seal covers the left third of the certifier's signature (Decree 30/2020 Appendix I).
  const sealSize = 104;
  const authorityRect: [number, number, number, number] = [
    colX + 40 - sealSize / 2 + certifierRect[2] / 6,
    y - sigH - 4,
    sealSize,
    sealSize,
  ];
  y -= sigH + 14;
  y = drawCentered(page, text.certifierName, bold, 12, y, colX, colW);
  y = drawCentered(page, text.certifierTitle, regular, 11, y, colX, colW);
  drawCentered(page, text.authorityName, regular, 11, y, colX, colW);

  // Lookup: QR code and the short code, bottom left.
  const qrSize = 96;
  drawQr(page, lookupUrl, MARGIN, MARGIN + 30, qrSize);
  let ly = MARGIN + 18;
  for (const line of text.lookupLines) {
    for (const wrapped of wrap(line, regular, 9, width)) {
      page.drawText(wrapped, { x: MARGIN, y: ly, size: 9, font: regular });
      ly -= 12;
    }
  }

  addEmptySignatureField(doc, page, CERTIFIER_FIELD, certifierRect);
  addEmptySignatureField(doc, page, AUTHORITY_FIELD, authorityRect);
  const pdf = Buffer.from(await doc.save({ useObjectStreams: false }));
  return {
    pdf,
    layout: {
      statementPage: doc.getPageCount(),
      certifierField: CERTIFIER_FIELD,
      authorityField: AUTHORITY_FIELD,
      certifierRect,
      authorityRect,
    },
  };
}

function drawCentered(page: PDFPage, s: string, font: PDFFont, size: number, y: number, x0 = MARGIN, w = A4[0] - 2 * MARGIN): number {
  let yy = y;
  for (const line of wrap(s, font, size, w)) {
    const lw = font.widthOfTextAtSize(line, size);
    page.drawText(line, { x: x0 + (w - lw) / 2, y: yy, size, font });
    yy -= size * 1.4;
  }
  return yy;
}

function wrap(s: string, font: PDFFont, size: number, width: number): string[] {
  const words = s.split(/\s+/);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    const next = cur ? `${cur} ${w}` : w;
    if (cur && font.widthOfTextAtSize(next, size) > width) {
      lines.push(cur);
      cur = w;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines;
}

function drawQr(page: PDFPage, data: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(data, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 2;
  const cell = size / (n + 2 * quiet);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!qr.modules.get(r, c)) continue;
      page.drawRectangle({
        x: x + (c + quiet) * cell,
        y: y + size - (r + quiet + 1) * cell,
        width: cell,
        height: cell,
        color: rgb(0, 0, 0),
      });
    }
  }
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
  page.node.addAnnot(ref);
  const form = doc.getForm();
  form.acroForm.addField(ref);
  form.acroForm.dict.set(PDFName.of('SigFlags'), doc.context.obj(1));
  return ref;
}
