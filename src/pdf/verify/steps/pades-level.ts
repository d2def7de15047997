import type { PdfRevisions } from '../../syntax/revision-reader.js';
import type { PadesLevel } from '../report.js';
import type { CertificatePathOutcome } from './certificate-path.js';
import type { SignatureWork } from './context.js';

/**
 * PAdES baseline level a signature reaches (ETSI EN 319 142-1 §6): B-B; B-T with a signature
 * timestamp or a later document timestamp; B-LT when the signature's own validation data — the
 * revocation status of every certificate of its path up to a trust anchor — is in the document's
 * /DSS (wherever that /DSS was first written: before or after this signature); B-LTA when, in
 * addition, a document timestamp covers a revision after the signature that has the /DSS.
 */
export function padesLevel(pdf: PdfRevisions, w: SignatureWork, all: readonly SignatureWork[], path: CertificatePathOutcome): PadesLevel {
  const sf = w.subFilter;
  if (w.kind === 'documentTimestamp') return 'B-LTA';
  if (sf !== 'ETSI.CAdES.detached') return sf === 'adbe.pkcs7.detached' || sf === 'adbe.pkcs7.sha1' ? 'PKCS7' : 'NOT_ETSI';
  const sigTs = w.timestamps.some((t) => t.type === 'signature');
  const docTsAfter = all.filter((o) => o.kind === 'documentTimestamp' && o.end > w.end);
  if (!sigTs && docTsAfter.length === 0) return 'B-B';
  const ownDataInDss =
    path.trustAnchor !== null && path.revocation.length > 0 && path.revocation.every((u) => u.source !== 'NONE' && u.origin === 'DSS');
  if (!ownDataInDss) return 'B-T';
  const signed = w.signedRevisionIndex ?? pdf.revisions.length;
  return docTsAfter.some(
    (o) =>
      o.signedRevisionIndex !== undefined && o.signedRevisionIndex > signed && pdf.catalog(o.signedRevisionIndex)?.get('DSS') !== undefined,
  )
    ? 'B-LTA'
    : 'B-LT';
}
