import { AppError } from '../../core/errors.js';
import { formFields } from '../syntax/acroform.js';
import { PdfDocument } from '../syntax/document.js';
import type { PdfLimits } from '../syntax/limits.js';
import { PdfDict, PdfRef, PdfString } from '../syntax/objects.js';
import { Prepared } from './prepare.js';
import type { SubFilter } from '../../core/sign-options.js';
import { standardSecurity } from './standard-security.js';
import type { ByteRange } from './placeholder.js';

/**
 * Adopts a signature placeholder another tool already wrote (a signature dictionary whose
 * /Contents is all zeros and whose final /ByteRange ends at the end of the file), so that it can
 * be digested and embedded like our own. Exactly one such placeholder must exist, and it must be
 * the last thing in the file: a second one, or one followed by later updates, cannot be filled
 * without invalidating something (CONFLICT / PDF_SIGNING_FORBIDDEN).
 */
export function prepareExistingPlaceholder(pdf: Buffer, o: { limits?: Partial<PdfLimits>; password?: string } = {}): Prepared {
  const doc = PdfDocument.open(pdf, {
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.password !== undefined ? { security: standardSecurity(o.password) } : {}),
  });
  const found: Array<{ name: string; ref: PdfRef; sig: PdfDict }> = [];
  for (const f of formFields(doc)) {
    if (f.fieldType !== 'Sig' || !(f.value instanceof PdfRef)) continue;
    const sig = doc.resolve(f.value);
    if (!(sig instanceof PdfDict)) continue;
    const c = sig.get('Contents');
    if (c instanceof PdfString && c.bytes.length > 0 && c.bytes.every((b) => b === 0)) found.push({ name: f.name, ref: f.value, sig });
  }
  if (found.length === 0) throw new AppError('PDF_FIELD_NOT_FOUND', 'no empty signature placeholder in this PDF');
  if (found.length > 1)
    throw new AppError('CONFLICT', `the PDF holds ${found.length} empty signature placeholders; only one can be filled`);
  const { name, ref, sig } = found[0]!;
  const br = doc.resolve(sig.get('ByteRange'));
  if (!Array.isArray(br) || br.length !== 4 || !br.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0))
    throw new AppError('PDF_MALFORMED', 'placeholder /ByteRange is not four integers');
  const byteRange = br as ByteRange;
  const [a, b, c, d] = byteRange;
  if (a !== 0 || c + d !== pdf.length)
    throw new AppError('PDF_SIGNING_FORBIDDEN', 'the placeholder does not cover the file up to its end (later updates follow it)');
  if (pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e || !/^0*$/.test(pdf.toString('latin1', b + 1, c - 1)))
    throw new AppError('PDF_MALFORMED', 'the /ByteRange gap is not the zero-filled /Contents hex string');
  const sub = sig.getName('SubFilter');
  const subFilter: SubFilter = sub === 'ETSI.RFC3161' ? 'ETSI.RFC3161' : 'ETSI.CAdES.detached';
  return new Prepared(Buffer.alloc(0), Buffer.from(pdf), byteRange, (c - b - 2) / 2, name, ref, subFilter);
}
