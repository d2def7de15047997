import { createPublicKey, X509Certificate } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { certificateInfo, namesEqual, type CertificateInfo } from '../cms/certificate-info.js';

/**
 * Revocation status of a signer certificate, asked before signing. For certificates of our own
 * CA the wiring passes the pki service; for external certificates an OCSP/CRL client (or
 * nothing: `unknown` is then accepted, since pre-signing checks are a courtesy — the verifier
 * is the judge).
 */
export interface CertificateStatusPort {
  status(certificate: Buffer, issuer: Buffer | undefined, at: Date): Promise<CertificateStatus>;
}

export interface CertificateStatus {
  readonly status: 'good' | 'revoked' | 'unknown';
  /** RFC 5280 §5.3.1 reason name when revoked (certificateHold means suspended). */
  readonly reason?: string;
  readonly revokedAt?: Date;
}

const OID_KEY_USAGE = '2.5.29.15';

/**
 * Key usage bits (RFC 5280 §4.2.1.3): digitalSignature is bit 0, nonRepudiation
 * (contentCommitment) bit 1. ETSI EN 319 412-2 §4.3.2 requires one of them for signing.
 * Returns undefined when the extension is absent (no restriction).
 */
export function keyUsageBits(certificate: Buffer): { digitalSignature: boolean; nonRepudiation: boolean } | undefined {
  const ext = info(certificate).extensions.get(OID_KEY_USAGE);
  if (!ext) return undefined;
  // BIT STRING: 03 len unused-bits first-byte…
  const v = ext.value;
  if (v[0] !== 0x03 || (v[1] ?? 0) < 1 || v.length < 3) {
    throw new AppError('SIGNER_CERT_INVALID', 'the signer certificate has a malformed keyUsage extension');
  }
  const first = v.length > 3 ? v[3]! : 0;
  return { digitalSignature: (first & 0x80) !== 0, nonRepudiation: (first & 0x40) !== 0 };
}

/** Fast, cached DER facts (src/cms reader); a certificate that cannot be read is SIGNER_CERT_INVALID. */
function info(der: Buffer): CertificateInfo {
  return certificateInfo(der, 'SIGNER_CERT_INVALID');
}

export interface SignerCheckInput {
  /** Signer first, then chain. */
  readonly certificates: readonly Buffer[];
  /** SPKI of the key that will sign: must match the certificate. */
  readonly publicKeySpki?: Buffer;
  readonly at: Date;
  readonly status?: CertificateStatusPort;
}

/**
 * Checks before signing (RFC 5280 §4.2.1.3, §4.1.2.5): the certificate matches the key, its key usage
 * allows signing, it is valid at the clock's time, and it is not revoked or suspended.
 */
export async function checkSignerCertificate(input: SignerCheckInput): Promise<void> {
  const leafDer = input.certificates[0];
  if (!leafDer) throw new AppError('SIGNER_CERT_INVALID', 'no signer certificate was given');
  for (const der of input.certificates) assertDerCertificate(der);
  const leaf = info(leafDer);
  if (input.publicKeySpki && !sameKey(leaf.spki, input.publicKeySpki)) {
    throw new AppError('SIGNER_CERT_INVALID', 'the signer certificate does not match the signing key');
  }
  const ku = keyUsageBits(leafDer);
  if (ku && !ku.digitalSignature && !ku.nonRepudiation) {
    throw new AppError('SIGNER_KEY_USAGE', 'the signer certificate key usage allows neither digitalSignature nor nonRepudiation');
  }
  const t = input.at.getTime();
  if (t < leaf.notBefore.getTime() || t > leaf.notAfter.getTime()) {
    throw new AppError('SIGNER_EXPIRED', 'the signer certificate is not valid at the signing time', {
      details: { notBefore: leaf.notBefore.toISOString(), notAfter: leaf.notAfter.toISOString(), at: input.at.toISOString() },
    });
  }
  if (input.status) {
    const issuer = input.certificates.find((c, i) => i > 0 && issuedBy(leaf, c));
    const st = await input.status.status(leafDer, issuer, input.at);
    if (st.status === 'revoked') {
      throw new AppError('SIGNER_REVOKED', 'the signer certificate is revoked or suspended', {
        details: { reason: st.reason ?? 'unspecified', ...(st.revokedAt ? { revokedAt: st.revokedAt.toISOString() } : {}) },
      });
    }
  }
}

/** Same public key even when the SPKI encodings differ (e.g. absent vs NULL parameters). */
function sameKey(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    const ka = createPublicKey({ key: a, format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
    const kb = createPublicKey({ key: b, format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
    return ka.equals(kb);
  } catch {
    return false;
  }
}

function issuedBy(leaf: CertificateInfo, candidate: Buffer): boolean {
  try {
    return namesEqual(leaf.issuer, info(candidate).subject);
  } catch {
    return false;
  }
}

/**
 * A certificate is DER (X.690 §10; RFC 5280 §4.1): one encoding, nothing after it. A reader that
 * tolerated BER or trailing bytes would take another byte string for the same certificate, and
 * everything that finds a certificate by its bytes (its status in our CA's store, the CMS's
 * signing-certificate hash) would miss it. OpenSSL reads such a string and writes the DER back:
 * the two must be equal. Checked once per Buffer object (the interned chains come back as the
 * same objects).
 */
export function assertDerCertificate(der: Buffer): void {
  if (derChecked.has(der)) return;
  let canonical: Buffer;
  try {
    canonical = new X509Certificate(der).raw;
  } catch (cause) {
    throw new AppError('SIGNER_CERT_INVALID', 'a certificate of the chain cannot be read', { cause });
  }
  if (!canonical.equals(der)) throw new AppError('SIGNER_CERT_INVALID', 'a certificate of the chain is not in DER or has bytes after it');
  derChecked.add(der);
}
const derChecked = new WeakSet<Buffer>();
