import type { CaRepository, CertificateRepository } from '../pki/ports.js';
import { AppError } from '../core/errors.js';
import { certificateInfo, namesEqual } from '../cms/certificate-info.js';
import { normalizeSerial } from '../pki/serial.js';
import type { CertificateStatus, CertificateStatusPort } from './certificate-checks.js';

/**
 * Status of signer certificates issued by our own CA, read from the CA's certificate store
 * (the PKI certificate repository: the same rows the OCSP responder and CRLs are built from, so a
 * revocation is refused at once, before any CRL is published). Certificates of other CAs are
 * `unknown` (the pre-signing check then lets them through; the verifier judges them).
 *
 * A certificate is found by its exact bytes. One that names one of our CAs as its issuer but is
 * not, byte for byte, a certificate that CA issued (re-encoded, altered, forged) is refused:
 * otherwise a suspended certificate, its outer length written in another form, would pass as
 * another CA's.
 */
export function certificateStatusFromPki(
  repo: Pick<CertificateRepository, 'findStatusByDer'>,
  cas: Pick<CaRepository, 'list'>,
): CertificateStatusPort {
  return {
    async status(certificate: Buffer): Promise<CertificateStatus> {
      const info = certificateInfo(certificate, 'SIGNER_CERT_INVALID');
      // Our CA issues positive serials only (RFC 5280 §4.1.2.2): a negative one is not ours.
      const row =
        info.serialNumber < 0n ? undefined : await repo.findStatusByDer(normalizeSerial(info.serialNumber.toString(16)), certificate);
      if (!row) {
        const ours = (await cas.list()).some((ca) =>
          namesEqual(info.issuer, certificateInfo(ca.certificateDer, 'SIGNER_CERT_INVALID').subject),
        );
        if (ours)
          throw new AppError('SIGNER_CERT_INVALID', 'the certificate names our CA as its issuer but is not a certificate it issued');
        return { status: 'unknown' };
      }
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
