/**
 * RFC 3161 timestamp token validation (docs/signatures-and-validation.md rule 13): the token's own CMS signature,
 * messageImprint bound to *this* signature value or *this* document revision (copied tokens fail,
 * ETSI EN 319 142-1 §5.4), TSA certificate with EKU id-kp-timeStamping, chain to a trust anchor.
 */
import { isKnownHash, OID } from '../../core/oids.js';
import { parseCms, type ParsedCms } from '../../cms/parse.js';
import { parseTstInfo } from '../../cms/timestamp-token.js';
import { newHash } from '../../cms/verify.js';
import { tryCertInfo, type CertInfo } from './cert.js';
import { buildChain, validatePath, type ChainResult } from './chain.js';
import { checkSigner, findSignerCert } from './cms.js';
import type { TrustStore } from './trust-store.js';
import type { TimestampReport } from './report.js';

export interface TimestampCheck {
  readonly report: TimestampReport;
  readonly sd: ParsedCms | undefined;
  readonly signerCert: CertInfo | undefined;
  readonly genTime: Date | undefined;
  /** The TSA chain when it reached a trust anchor (for the revocation check done by the caller). */
  readonly chain: ChainResult | undefined;
}

/**
 * `imprintOf(hash)` computes the expected message imprint with the token's hash algorithm:
 * the hash of the signature value for a signature timestamp, of the byte ranges for a document one.
 */
export function checkTimestampToken(
  token: Buffer,
  type: TimestampReport['type'],
  imprintOf: (hash: string) => Buffer,
  pool: readonly Buffer[],
  trust: TrustStore,
  at: Date,
): TimestampCheck {
  const messages: string[] = [];
  const base: TimestampReport = {
    type,
    genTime: null,
    tsa: null,
    imprintMatches: false,
    signatureValid: false,
    trusted: false,
    valid: false,
    revocation: [],
    messages,
  };
  let sd: ParsedCms;
  try {
    sd = parseCms(token);
  } catch {
    messages.push('TST_MALFORMED');
    return { report: base, sd: undefined, signerCert: undefined, genTime: undefined, chain: undefined };
  }
  const si = sd.signerInfos[0];
  const eContent = sd.encapsulatedContent;
  if (sd.encapContentType !== OID.tstInfo || !eContent || !si) {
    messages.push('TST_MALFORMED');
    return { report: base, sd, signerCert: undefined, genTime: undefined, chain: undefined };
  }
  let genTime: Date | undefined;
  let imprintMatches = false;
  try {
    const tst = parseTstInfo(eContent);
    const hash = tst.hashAlgorithm;
    if (isKnownHash(hash)) imprintMatches = tst.hashedMessage.equals(imprintOf(hash));
    else messages.push('TST_DIGEST_UNSUPPORTED');
    genTime = tst.genTime;
  } catch {
    messages.push('TST_MALFORMED');
  }
  if (!imprintMatches) messages.push('TST_IMPRINT_MISMATCH');
  const cert = findSignerCert(si, [...sd.certificates, ...pool]);
  let signatureValid = false;
  let trusted = false;
  let trustedChain: ChainResult | undefined;
  if (!cert) messages.push('TST_SIGNER_CERT_MISSING');
  else {
    const chk = checkSigner(
      sd,
      si,
      cert,
      (h) => newHash(h).update(eContent).digest(),
      () => [eContent],
    );
    signatureValid = chk.digestMatch && chk.cryptoValid;
    if (!signatureValid) messages.push('TST_SIGNATURE_INVALID');
    if (chk.signingCertificateV2 === 'absent' || chk.signingCertificateV2.endsWith('mismatch'))
      messages.push('TST_SIGNING_CERTIFICATE_NOT_BOUND');
    const certPool = [...sd.certificates, ...pool].map((d) => tryCertInfo(d)).filter((c): c is CertInfo => !!c);
    const chain = buildChain(cert, certPool, trust);
    const path = validatePath(chain, at, 'timestamping', genTime ?? at);
    trusted = path.ok;
    if (path.ok) trustedChain = chain;
    if (!path.ok) messages.push(...path.messages);
  }
  const report: TimestampReport = {
    type,
    genTime: genTime?.toISOString() ?? null,
    tsa: cert?.subject ?? null,
    imprintMatches,
    signatureValid,
    trusted,
    valid: imprintMatches && signatureValid,
    revocation: [],
    messages,
  };
  return { report, sd, signerCert: cert, genTime, chain: trustedChain };
}
