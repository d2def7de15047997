import type { PdfRevisions } from '../../syntax/revision-reader.js';
import type { PadesLevel } from '../report.js';
import type { SignatureWork } from './context.js';
import type { DssMaterial } from './dss-material.js';

/**
 * PAdES baseline level a signature reaches (ETSI EN 319 142-1 §6: B-B, B-T with a signature or
 * later document timestamp, B-LT with validation data in a /DSS added after it, B-LTA with a
 * document timestamp over that /DSS).
 */
export function padesLevel(pdf: PdfRevisions, w: SignatureWork, all: readonly SignatureWork[], dss: DssMaterial): PadesLevel {
  const sf = w.subFilter;
  if (w.kind === 'documentTimestamp') return 'B-LTA';
  if (sf !== 'ETSI.CAdES.detached') return sf === 'adbe.pkcs7.detached' || sf === 'adbe.pkcs7.sha1' ? 'PKCS7' : 'NOT_ETSI';
  const sigTs = w.timestamps.some((t) => t.type === 'signature');
  const docTsAfter = all.filter((o) => o.kind === 'documentTimestamp' && o.end > w.end);
  if (!sigTs && docTsAfter.length === 0) return 'B-B';
  const dssRev = dss.revision;
  const hasRevData = dss.ocsps.length + dss.crls.length > 0;
  const lt = hasRevData && dssRev !== undefined && w.signedRevisionIndex !== undefined && dssRev > w.signedRevisionIndex;
  if (!lt) return 'B-T';
  const ltaEnd = pdf.revisions[dssRev]?.end ?? Infinity;
  return docTsAfter.some((o) => o.end > ltaEnd - 1 && (o.signedRevisionIndex ?? -1) >= dssRev) ? 'B-LTA' : 'B-LT';
}
