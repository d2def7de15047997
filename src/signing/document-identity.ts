import { AppError } from '../core/errors.js';
import { certificateInfo } from '../cms/certificate-info.js';
import { subjectField } from './subject.js';

/** PDF_NOT_PDF unless the bytes open with a PDF header within the first 1024 bytes (ISO 32000-1 §7.5.2, as readers accept it). */
export function assertPdf(pdf: Buffer): void {
  if (!Buffer.isBuffer(pdf) || pdf.length < 8 || pdf.indexOf('%PDF-', 0, 'latin1') === -1 || pdf.indexOf('%PDF-', 0, 'latin1') > 1024) {
    throw new AppError('PDF_NOT_PDF', 'the upload is not a PDF file');
  }
}

/** How signing audit events name the signer certificate: serial (hex) and subject CN. */
export function certId(der: Buffer): { serial: string; subject: string } {
  return { serial: certificateInfo(der, 'SIGNER_CERT_INVALID').serialNumber.toString(16), subject: subjectField(der, 'CN') ?? '' };
}
