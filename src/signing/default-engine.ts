import { AppError } from '../core/errors.js';
import { appendDss, openedSignatureContents, prepareOpenedSignature, type PrepareOptions as PdfPrepareOptions } from '../pdf/sign/index.js';
import { PdfDocument } from '../pdf/syntax/document.js';
import { formFields } from '../pdf/syntax/acroform.js';
import { getPage, inheritedAttribute } from '../pdf/syntax/page-tree.js';
import type { PdfPrepareRequest, PdfSignatureEngine, PreparedPdf, RevocationMaterial } from './signing-ports.js';

export interface PdfEngineOptions {
  /** Offset written in `/M` (minutes east of UTC). Default 420: Vietnam, +07'00' (docs/domain.md). */
  readonly timeZoneOffsetMinutes?: number;
  /** /DSS writer for B-LT/B-LTA; default `appendDss` (src/pdf/sign). */
  readonly appendDss?: (pdf: Buffer, material: { certs: Buffer[]; ocsps: Buffer[]; crls: Buffer[] }) => Buffer;
}

/**
 * The production engine: the staged PAdES placement (src/pdf/sign) and the Decree 30 stamps
 * (src/pdf/appearance). The signing service only sees the PdfSignatureEngine port.
 */
export function createPdfSignatureEngine(options: PdfEngineOptions = {}): PdfSignatureEngine {
  const tz = options.timeZoneOffsetMinutes ?? 420;
  // One signature asks about the same input several times (its field's size, the page rotation,
  // the preparation, a retry with a larger placeholder, the chains of the signatures already in
  // it): the file is parsed once. Keyed by the Buffer itself, so it lives as long as the input.
  const opened = new WeakMap<Buffer, PdfDocument>();
  const open = (pdf: Buffer): PdfDocument => {
    let doc = opened.get(pdf);
    if (!doc) {
      doc = PdfDocument.open(pdf);
      opened.set(pdf, doc);
    }
    return doc;
  };
  let stampLayer: Promise<typeof import('./build-appearance.js')> | undefined;
  return {
    prepare(pdf: Buffer, r: PdfPrepareRequest): PreparedPdf {
      const o: Omit<PdfPrepareOptions, 'limits' | 'password'> = {
        placeholderSize: r.placeholderSize,
        signingTime: r.signingTime,
        timeZoneOffsetMinutes: tz,
        subFilter: r.subFilter,
      };
      // A field name together with a page rectangle names a NEW field; alone it designates an
      // existing empty signature field (PDF_FIELD_NOT_FOUND when there is none).
      if (r.fieldName !== undefined && r.rect) o.newFieldName = r.fieldName;
      else if (r.fieldName !== undefined) o.fieldName = r.fieldName;
      if (r.newFieldName !== undefined) o.newFieldName = r.newFieldName;
      if (r.page !== undefined) o.page = r.page;
      if (r.rect) {
        const [x, y, w, h] = r.rect;
        if (![x, y, w, h].every(Number.isFinite) || w <= 0 || h <= 0) {
          throw new AppError('VALIDATION_FAILED', 'the visible rectangle must be [x, y, width, height] with positive width and height');
        }
        o.rect = [x, y, x + w, y + h];
      }
      if (r.appearance) o.appearance = r.appearance;
      if (r.revisionId) o.id = r.revisionId;
      if (r.reason !== undefined) o.reason = r.reason;
      if (r.location !== undefined) o.location = r.location;
      if (r.contactInfo !== undefined) o.contactInfo = r.contactInfo;
      if (r.name !== undefined) o.name = r.name;
      if (r.certifyLevel !== undefined) o.certify = r.certifyLevel;
      if (r.lock) o.lock = r.lock.action === 'All' ? { action: 'All' } : { action: r.lock.action, fields: [...r.lock.fields] };
      const p = prepareOpenedSignature(open(pdf), o);
      let bytes: Buffer | undefined;
      return {
        byteRange: p.byteRange as unknown as readonly [number, number, number, number],
        digest: (hash) => p.digest(hash),
        embed: (cms) => p.embed(cms),
        embedChunks: (cms) => {
          const chunks = p.embedChunks(cms);
          const [o, t] = chunks;
          // a small file is written into one buffer with its update (prepare.ts): handed out as
          // that one chunk, so that no caller copies the two parts into yet another buffer
          return o.length > 0 && o.buffer === t.buffer && o.byteOffset + o.length === t.byteOffset
            ? [Buffer.from(o.buffer, o.byteOffset, o.length + t.length)]
            : chunks;
        },
        get bytes() {
          bytes ??= p.toBuffer();
          return bytes;
        },
        get parts() {
          return p.parts();
        },
      };
    },
    appendDss(pdf: Buffer, material: RevocationMaterial): Buffer {
      return (options.appendDss ?? appendDss)(pdf, { certs: [...material.certs], ocsps: [...material.ocsps], crls: [...material.crls] });
    },
    signatureContents: (pdf: Buffer): Buffer[] => openedSignatureContents(open(pdf)),
    fieldSize(pdf: Buffer, fieldName: string): readonly [number, number] | undefined {
      const doc = open(pdf);
      const field = formFields(doc).find((f) => f.name === fieldName);
      const rect = field?.widgets[0] ? doc.resolve(field.widgets[0].dict.get('Rect')) : undefined;
      if (!Array.isArray(rect) || rect.length !== 4) return undefined;
      const n = rect.map((v) => doc.resolve(v));
      if (!n.every((v): v is number => typeof v === 'number')) return undefined;
      const w = Math.abs(n[2]! - n[0]!);
      const h = Math.abs(n[3]! - n[1]!);
      return w > 0 && h > 0 ? [w, h] : undefined;
    },
    pageRotation(pdf: Buffer, page: number): 0 | 90 | 180 | 270 {
      const doc = open(pdf);
      const p = getPage(doc, page - 1);
      const r = doc.resolve(inheritedAttribute(doc, p.dict, 'Rotate'));
      const n = typeof r === 'number' ? (((Math.round(r / 90) * 90) % 360) + 360) % 360 : 0;
      return n as 0 | 90 | 180 | 270;
    },
    // The stamp layer (fonts, images) is loaded on the first visible signature only: an
    // invisible signature, the common case of a batch or the CLI, never pays for parsing fonts.
    // The module promise is kept: a dynamic import() resolves the specifier again on every call.
    appearance: async (r) => (await (stampLayer ??= import('./build-appearance.js'))).buildAppearance(r),
  };
}
