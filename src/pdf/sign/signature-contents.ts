import { readDer } from '../../core/der-reader.js';
import { formFields } from '../syntax/acroform.js';
import { PdfDocument } from '../syntax/document.js';
import type { PdfLimits } from '../syntax/limits.js';
import { PdfDict, PdfString } from '../syntax/objects.js';
import { unsignedPlaceholders } from './unsigned-placeholder.js';

/**
 * The DER of every signature and document timestamp in the file — the /Contents of each signed
 * signature field's value (ISO 32000-1 §12.8.1; a /DocTimeStamp holds an RFC 3161 token, itself a
 * CMS SignedData) — with the zero padding after the DER cut off. Unsigned placeholders and
 * /Contents that is not DER are skipped: there is nothing in them to collect validation data for,
 * and the verifier reports them. Used to add B-LT material for signatures already in a document
 * (ETSI EN 319 142-1 §5.4.2: the DSS serves every signature it precedes).
 */
export function signatureContents(pdf: Buffer, o: { limits?: Partial<PdfLimits> } = {}): Buffer[] {
  return openedSignatureContents(PdfDocument.open(pdf, o.limits ? { limits: o.limits } : {}));
}

/** `signatureContents` of a document already opened. */
export function openedSignatureContents(doc: PdfDocument): Buffer[] {
  const fields = formFields(doc);
  const unsigned = new Set(unsignedPlaceholders(doc, fields).map((p) => p.field));
  const out: Buffer[] = [];
  for (const f of fields) {
    if (f.fieldType !== 'Sig' || unsigned.has(f)) continue;
    const sig = doc.resolve(f.value);
    if (!(sig instanceof PdfDict)) continue;
    const contents = sig.get('Contents');
    if (!(contents instanceof PdfString) || contents.bytes.length === 0) continue;
    try {
      const node = readDer(contents.bytes, 0, 'CMS_MALFORMED');
      const der = Buffer.from(contents.bytes.subarray(0, node.raw.length));
      if (!out.some((d) => d.equals(der))) out.push(der);
    } catch {
      // not DER: reported by the verifier, nothing to collect
    }
  }
  return out;
}
