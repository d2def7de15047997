import { X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import * as asn1js from 'asn1js';
import { AppError } from '../core/errors.js';
import { toArrayBuffer } from '../core/bytes.js';

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
  let cert: pkijs.Certificate;
  try {
    cert = pkijs.Certificate.fromBER(toArrayBuffer(certificate));
  } catch (cause) {
    throw new AppError('SIGNER_CERT_INVALID', 'the signer certificate cannot be parsed', { cause });
  }
  const ext = cert.extensions?.find((e) => e.extnID === OID_KEY_USAGE);
  if (!ext) return undefined;
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.BitString)) {
    throw new AppError('SIGNER_CERT_INVALID', 'the signer certificate has a malformed keyUsage extension');
  }
  const first = parsed.result.valueBlock.valueHexView[0] ?? 0;
  return { digitalSignature: (first & 0x80) !== 0, nonRepudiation: (first & 0x40) !== 0 };
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
 * Checks before signing (issue 3 "Bad input"): the certificate matches the key, its key usage
 * allows signing, it is valid at the clock's time, and it is not revoked or suspended.
 */
export async function checkSignerCertificate(input: SignerCheckInput): Promise<void> {
  const leafDer = input.certificates[0];
  if (!leafDer) throw new AppError('SIGNER_CERT_INVALID', 'no signer certificate was given');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafDer);
  } catch (cause) {
    throw new AppError('SIGNER_CERT_INVALID', 'the signer certificate cannot be parsed', { cause });
  }
  if (input.publicKeySpki) {
    const spki = leaf.publicKey.export({ format: 'der', type: 'spki' });
    if (!spki.equals(input.publicKeySpki)) {
      throw new AppError('SIGNER_CERT_INVALID', 'the signer certificate does not match the signing key');
    }
  }
  const ku = keyUsageBits(leafDer);
  if (ku && !ku.digitalSignature && !ku.nonRepudiation) {
    throw new AppError('SIGNER_KEY_USAGE', 'the signer certificate key usage allows neither digitalSignature nor nonRepudiation');
  }
  const t = input.at.getTime();
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (t < notBefore.getTime() || t > notAfter.getTime()) {
    throw new AppError('SIGNER_EXPIRED', 'the signer certificate is not valid at the signing time', {
      details: { notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), at: input.at.toISOString() },
    });
  }
  if (input.status) {
    const issuer = input.certificates.find((c, i) => i > 0 && safeIssued(leaf, c));
    const st = await input.status.status(leafDer, issuer, input.at);
    if (st.status === 'revoked') {
      throw new AppError('SIGNER_REVOKED', 'the signer certificate is revoked or suspended', {
        details: { reason: st.reason ?? 'unspecified', ...(st.revokedAt ? { revokedAt: st.revokedAt.toISOString() } : {}) },
      });
    }
  }
}

function safeIssued(leaf: X509Certificate, candidate: Buffer): boolean {
  try {
    return leaf.checkIssued(new X509Certificate(candidate));
  } catch {
    return false;
  }
}
