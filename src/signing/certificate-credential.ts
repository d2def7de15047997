import { AppError } from '../core/errors.js';
import type { CertificateRecord } from '../pki/ports.js';
import type { CredentialInfo, CredentialService } from './credential-service.js';

/** What registering a credential for an issued certificate reads from the PKI services. */
export interface IssuedCertificates {
  /** The certificate row (CERT_NOT_FOUND when there is none, or it is pending or failed). */
  find(ref: { id: string }): Promise<CertificateRecord>;
  /** The issuing CA's chain, issuer first, up to the root. */
  chainOf(caId: string): Promise<Buffer[]>;
}

/**
 * A PIN-protected server-held credential for a certificate our CA issued with a key it kept
 * (`keepKey`): only an admin or RA officer registers one, only for an active certificate; the
 * credential carries the certificate and its chain, which every signature made with it embeds.
 */
export async function registerCertificateCredential(
  d: { readonly certificates: IssuedCertificates; readonly credentials: Pick<CredentialService, 'register'> },
  actor: { readonly id: string; readonly role: string },
  o: { certificateId: string; ownerId: string; pin: string; label?: string },
): Promise<CredentialInfo> {
  if (actor.role !== 'admin' && actor.role !== 'ra-officer')
    throw new AppError('FORBIDDEN', 'only an admin or RA officer registers signing credentials');
  const cert = await d.certificates.find({ id: o.certificateId });
  if (!cert.der || cert.status !== 'active') throw new AppError('CERT_NOT_ACTIVE', 'the certificate is not active');
  if (!cert.keyUri) throw new AppError('VALIDATION_FAILED', 'the certificate key was not kept server-side (issue it with keepKey)');
  return d.credentials.register({
    ownerId: o.ownerId,
    keyUri: cert.keyUri,
    certificates: [cert.der, ...(await d.certificates.chainOf(cert.caId))],
    pin: o.pin,
    label: o.label ?? `credential for ${cert.subjectDn}`,
    actor: actor.id,
  });
}
