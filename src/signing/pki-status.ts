import type { CertificateRepository } from '../pki/ports.js';
import { certificateInfo } from '../cms/certificate-info.js';
import { normalizeSerial } from '../pki/serial.js';
import type { CertificateStatus, CertificateStatusPort } from './certificate-checks.js';

/**
 * Status of signer certificates issued by our own CA, read from the CA's certificate store
 * (the PKI certificate repository: the same rows the OCSP responder and CRLs are built from, so a
 * revocation is refused at once, before any CRL is published). Certificates of other CAs are
 * `unknown` (the pre-signing check then lets them through; the verifier judges them).
 */
export function certificateStatusFromPki(repo: Pick<CertificateRepository, 'findStatusByDer'>): CertificateStatusPort {
  return {
    async status(certificate: Buffer): Promise<CertificateStatus> {
      const serialNumber = certificateInfo(certificate, 'SIGNER_CERT_INVALID').serialNumber;
      // Our CA issues positive serials only (RFC 5280 §4.1.2.2): a negative one is not ours.
      if (serialNumber < 0n) return { status: 'unknown' };
      const serial = normalizeSerial(serialNumber.toString(16));
      // the row holding exactly this certificate (another CA's certificate may share the serial)
      const row = await repo.findStatusByDer(serial, certificate);
      if (!row) return { status: 'unknown' };
      if (row.status === 'active') return { status: 'good' };
      if (row.status === 'revoked' || row.status === 'on-hold') {
        return {
          status: 'revoked',
          reason: row.status === 'on-hold' ? 'certificateHold' : (row.revocationReason ?? 'unspecified'),
          ...(row.revokedAt ? { revokedAt: row.revokedAt } : {}),
        };
      }
      return { status: 'unknown' };
    },
  };
}
