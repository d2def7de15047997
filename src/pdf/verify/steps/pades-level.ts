import type { PdfRevisions } from '../../syntax/revision-reader.js';
import type { PadesLevel, RevocationUse } from '../report.js';
import type { CertificatePathOutcome } from './certificate-path.js';
import type { SignatureWork } from './context.js';

/**
 * PAdES baseline level a signature reaches (ETSI EN 319 142-1 §6): B-B; B-T with a signature
 * timestamp or a later document timestamp; B-LT when the signature's own validation data — the
 * revocation status of every certificate of its path up to a trust anchor, and of each trusted
 * signature timestamp's TSA path — is in the document's
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
  const inDss = (uses: readonly RevocationUse[]) => uses.every((u) => u.source !== 'NONE' && u.origin === 'DSS');
  // the signer's path and the TSA path of every trusted signature timestamp (§6.3: all validation data)
  const ownDataInDss =
    path.trustAnchor !== null &&
    path.revocation.length > 0 &&
    inDss(path.revocation) &&
    w.timestamps.every((t) => t.type !== 'signature' || !t.trusted || inDss(t.revocation));
  if (!ownDataInDss) return 'B-T';
  const signed = w.signedRevisionIndex ?? pdf.revisions.length;
  return docTsAfter.some(
    (o) =>
      o.signedRevisionIndex !== undefined && o.signedRevisionIndex > signed && pdf.catalog(o.signedRevisionIndex)?.get('DSS') !== undefined,
  )
    ? 'B-LTA'
    : 'B-LT';
}
