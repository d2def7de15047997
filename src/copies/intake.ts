import { createHash } from 'node:crypto';
import { ParseSpeeds, PDFDocument } from 'pdf-lib';
import { AppError } from '../core/errors.js';
import { preflightPdf } from '../pdf/syntax/preflight.js';
import { imageInfo, type ImageInfo } from './image-info.js';

/**
 * Intake of an original for certification: a PDF as received, or scanned pages (JPEG/PNG) that
 * become one PDF page each, sized from their resolution. Records the original's SHA-256 and page
 * count (the fee is counted on the original's pages, Circular 226/2016).
 */
export interface OriginalDocument {
  readonly pdf: Buffer;
  readonly sha256: string;
  readonly pages: number;
  readonly source: 'pdf' | 'images';
  /**
   * The original PDF as parsed at intake, handed on to the copy builder so the same bytes are not
   * parsed twice; read only (its pages are copied into the new document). Absent for scans.
   */
  readonly parsed?: PDFDocument;
}

export interface IntakeLimits {
  /** Minimum scan resolution (docs/domain.md: ≥ 200 dpi). */
  readonly minDpi: number;
  readonly maxPages: number;
  /**
   * Largest page image in pixels. pdf-lib decodes a PNG completely (4 bytes a pixel) before
   * embedding it, so a small file declaring a huge canvas would exhaust memory; an A3 page
   * scanned at 600 dpi is about 70 megapixels.
   */
  readonly maxPixels: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = { minDpi: 200, maxPages: 2_000, maxPixels: 80_000_000 };

const A4_WIDTH_IN = 8.27;

export async function intakePdf(bytes: Buffer, limits: IntakeLimits = DEFAULT_INTAKE_LIMITS): Promise<OriginalDocument> {
  if (bytes.subarray(0, 1024).indexOf('%PDF-') < 0) throw new AppError('PDF_NOT_PDF', 'the original is not a PDF');
  // The shared input budget first: the page copy (pdf-lib) has no limits of its own.
  const { pages } = preflightPdf(bytes);
  if (pages > limits.maxPages) throw new AppError('PDF_LIMIT_EXCEEDED', `the original has more than ${limits.maxPages} pages`);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, {
      ignoreEncryption: true,
      updateMetadata: false,
      throwOnInvalidObject: false,
      // one pass: the preflight above bounded the work, and pdf-lib's default yields a timer tick every 100 objects
      parseSpeed: ParseSpeeds.Fastest,
    });
    if (doc.getPageCount() !== pages) throw new Error(`page tree counts ${doc.getPageCount()} pages, preflight ${pages}`);
  } catch (cause) {
    throw new AppError('PDF_MALFORMED', 'the original PDF cannot be read', { cause });
  }
  if (doc.isEncrypted) throw new AppError('PDF_ENCRYPTED', 'the original PDF is encrypted: ask for an unprotected original');
  return { pdf: bytes, sha256: sha256(bytes), pages, source: 'pdf', parsed: doc };
}

/**
 * Scanned pages → PDF. A page's size follows the image's declared resolution; an image that
 * declares none is taken as an A4-wide scan. Either way it must reach `minDpi`.
 */
export async function intakeImages(images: readonly Buffer[], limits: IntakeLimits = DEFAULT_INTAKE_LIMITS): Promise<OriginalDocument> {
  if (images.length === 0) throw new AppError('VALIDATION_FAILED', 'no page image was given');
  if (images.length > limits.maxPages) throw new AppError('PDF_LIMIT_EXCEEDED', `more than ${limits.maxPages} page images`);
  const doc = await PDFDocument.create();
  doc.setProducer('kyso');
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  for (const [i, bytes] of images.entries()) {
    const info = checkedInfo(bytes, i, limits);
    const dpi = info.dpiX ?? info.width / A4_WIDTH_IN;
    const dpiY = info.dpiY ?? dpi;
    let embedded;
    try {
      embedded = info.format === 'png' ? await doc.embedPng(bytes) : await doc.embedJpg(bytes);
    } catch (cause) {
      throw new AppError('IMAGE_INVALID', `page image ${i + 1} is corrupt`, { cause });
    }
    const w = (info.width / dpi) * 72;
    const h = (info.height / dpiY) * 72;
    const page = doc.addPage([w, h]);
    page.drawImage(embedded, { x: 0, y: 0, width: w, height: h });
  }
  const pdf = Buffer.from(await doc.save({ useObjectStreams: false }));
  return { pdf, sha256: sha256(pdf), pages: images.length, source: 'images' };
}

function checkedInfo(bytes: Buffer, index: number, limits: IntakeLimits): ImageInfo {
  let info: ImageInfo;
  try {
    info = imageInfo(bytes);
  } catch (e) {
    if (e instanceof AppError) throw new AppError('IMAGE_INVALID', `page image ${index + 1}: ${e.message}`);
    throw e;
  }
  if (info.width * info.height > limits.maxPixels) {
    throw new AppError(
      'IMAGE_INVALID',
      `page image ${index + 1} is ${info.width}×${info.height} pixels; at most ${limits.maxPixels} pixels`,
      {
        details: { page: index + 1, limit: 'pixels', maxPixels: limits.maxPixels },
      },
    );
  }
  const dpi = Math.min(info.dpiX ?? info.width / A4_WIDTH_IN, info.dpiY ?? info.dpiX ?? info.width / A4_WIDTH_IN);
  if (dpi + 0.5 < limits.minDpi) {
    throw new AppError('IMAGE_INVALID', `page image ${index + 1} is ${Math.round(dpi)} dpi; scans need at least ${limits.minDpi} dpi`, {
      details: { page: index + 1, dpi: Math.round(dpi) },
    });
  }
  return info;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
