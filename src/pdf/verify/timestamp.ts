/**
 * RFC 3161 timestamp token validation (STANDARDS.md rule 13): the token's own CMS signature,
 * messageImprint bound to *this* signature value or *this* document revision (copied tokens fail,
 * ETSI EN 319 142-1 §5.4), TSA certificate with EKU id-kp-timeStamping, chain to a trust anchor.
 */
import { createHash } from 'node:crypto';
import { children, content, oid, readTlv, timeValue } from './asn1.js';
import { DIGEST_OIDS, newHash } from './algorithms.js';
import { tryCertInfo, type CertInfo } from './cert.js';
import { buildChain, validatePath } from './chain.js';
import { CMS_OID, checkSigner, findSignerCert, parseSignedData, type SignedDataInfo } from './cms.js';
import type { TrustStore } from './trust-store.js';
import type { TimestampReport } from './report.js';

export interface TimestampCheck {
  readonly report: TimestampReport;
  readonly sd: SignedDataInfo | undefined;
  readonly signerCert: CertInfo | undefined;
  readonly genTime: Date | undefined;
}

/**
 * `imprintOf(hash)` computes the expected message imprint with the token's hash algorithm:
 * the hash of the signature value for a signature timestamp, of the byte ranges for a document one.
 */
export function checkTimestampToken(token: Buffer, type: TimestampReport['type'], imprintOf: (hash: string) => Buffer, pool: readonly Buffer[], trust: TrustStore, at: Date): TimestampCheck {
  const messages: string[] = [];
  const base: TimestampReport = { type, genTime: null, tsa: null, imprintMatches: false, signatureValid: false, trusted: false, valid: false, messages };
  let sd: SignedDataInfo;
  try {
    sd = parseSignedData(token);
  } catch {
    messages.push('TST_MALFORMED');
    return { report: base, sd: undefined, signerCert: undefined, genTime: undefined };
  }
  if (sd.eContentType !== CMS_OID.tstInfo || !sd.eContent || !sd.signer) {
    messages.push('TST_MALFORMED');
    return { report: base, sd, signerCert: undefined, genTime: undefined };
  }
  let genTime: Date | undefined;
  let imprintMatches = false;
  try {
    const f = children(readTlv(sd.eContent));
    const mi = children(f[2]!);
    const hash = DIGEST_OIDS[oid(children(mi[0]!)[0]!)];
    if (hash) imprintMatches = content(mi[1]!).equals(imprintOf(hash));
    else messages.push('TST_DIGEST_UNSUPPORTED');
    genTime = timeValue(f[4]!);
  } catch {
    messages.push('TST_MALFORMED');
  }
  if (!imprintMatches) messages.push('TST_IMPRINT_MISMATCH');
  const cert = findSignerCert(sd.signer, [...sd.certificates, ...pool]);
  let signatureValid = false;
  let trusted = false;
  if (!cert) messages.push('TST_SIGNER_CERT_MISSING');
  else {
    const chk = checkSigner(sd, cert, (h) => newHash(h).update(sd.eContent!).digest(), () => [sd.eContent!]);
    signatureValid = chk.digestMatch && chk.cryptoValid;
    if (!signatureValid) messages.push('TST_SIGNATURE_INVALID');
    if (chk.signingCertificateV2 === 'absent' || chk.signingCertificateV2.endsWith('mismatch')) messages.push('TST_SIGNING_CERTIFICATE_NOT_BOUND');
    const certPool = [...sd.certificates, ...pool].map((d) => tryCertInfo(d)).filter((c): c is CertInfo => !!c);
    const chain = buildChain(cert, certPool, trust);
    const path = validatePath(chain, at, 'timestamping', genTime ?? at);
    trusted = path.ok;
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
    messages,
  };
  return { report, sd, signerCert: cert, genTime };
}

export const sha = (name: string, data: Buffer): Buffer => (name === 'shake256' ? newHash(name).update(data).digest() : createHash(name).update(data).digest());
