/**
 * Certificate path of the signer (docs/signatures-and-validation.md rule 12; ETSI EN 319 102-1 §5.2.6 X.509
 * certificate validation, §5.2.5 revocation freshness): build and validate the chain with
 * src/pki/path, then check revocation at the best signature time.
 */
import { tryCertInfo, type CertInfo } from '../../../pki/path/cert.js';
import { buildChain, validatePath } from '../../../pki/path/chain.js';
import type { CertificateSummary, RevocationUse } from '../report.js';
import { checkChainRevocation } from './chain-revocation.js';
import type { SignatureWork, VerifyContext } from './context.js';
import { revocationMaterial } from './revocation-material.js';
import type { Verdict } from './verdict.js';

export interface CertificatePathOutcome {
  readonly chain: CertificateSummary[];
  readonly trustAnchor: string | null;
  readonly revocation: RevocationUse[];
}

export function certificateSummary(c: CertInfo): CertificateSummary {
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialHex,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    sha256: c.sha256,
  };
}

/** `bestTime`: the earliest proven time of existence, else undefined (the validation time is used). */
export async function checkCertificatePath(
  ctx: VerifyContext,
  w: SignatureWork,
  bestTime: Date | undefined,
  verdict: Verdict,
): Promise<CertificatePathOutcome> {
  if (!w.signerCert || !w.sd) return { chain: [], trustAnchor: null, revocation: [] };
  const pool = [...w.sd.certificates, ...ctx.dss.certs].map((x) => tryCertInfo(x)).filter((c): c is CertInfo => !!c);
  const built = buildChain(w.signerCert, pool, ctx.trust);
  const out: CertificatePathOutcome = {
    chain: built.chain.map(certificateSummary),
    trustAnchor: built.anchor?.subject ?? null,
    revocation: [],
  };
  const leafAt = bestTime ?? ctx.at;
  const path = validatePath(built, ctx.at, w.kind === 'documentTimestamp' ? 'timestamping' : 'signing', leafAt);
  if (!path.ok) {
    w.errors.push(...path.messages);
    const s = path.subIndication!;
    verdict.worse(s === 'NOT_YET_VALID' || s === 'SIG_CONSTRAINTS_FAILURE' ? 'TOTAL_FAILED' : 'INDETERMINATE', s);
    return out;
  }
  const rv = await checkChainRevocation(ctx, built.chain, leafAt, revocationMaterial(ctx, w));
  out.revocation.push(...rv.uses);
  w.warnings.push(...rv.messages);
  if (rv.revoked) {
    w.errors.push('CERT_REVOKED');
    verdict.worse('TOTAL_FAILED', 'REVOKED');
  } else if (rv.unknown) verdict.worse('INDETERMINATE', 'TRY_LATER');
  return out;
}
