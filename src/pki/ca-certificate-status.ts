import type { CaRecord, CertificateRecord, CertificateRepository } from './ports.js';

/**
 * Whether one of the CA's own certificates (an OCSP responder's, the TSA's) may be used now: its
 * stored status is active and the clock is within its validity. A responder or TSA whose own
 * certificate is revoked, on hold or expired must not answer, since every answer it signs would
 * rest on a certificate relying parties must reject (RFC 5280 §6.1.3, RFC 3161 §2.3).
 */
export type OwnCertificateState = 'good' | 'revoked' | 'on-hold' | 'expired' | 'not-yet-valid' | 'unknown';

/** States in which the responder or TSA refuses to answer ('unknown': no stored row to judge by). */
export function mustNotAnswer(state: OwnCertificateState): boolean {
  return state !== 'good' && state !== 'unknown';
}

export async function ownCertificateState(
  certificates: Pick<CertificateRepository, 'findBySerial'>,
  ca: Pick<CaRecord, 'id' | 'parentId' | 'serial' | 'notBefore' | 'notAfter'>,
  now: Date,
): Promise<OwnCertificateState> {
  if (now < ca.notBefore) return 'not-yet-valid';
  if (now >= ca.notAfter) return 'expired';
  const { caId, serial } = ownCertificateKey(ca);
  return ownCertificateStateOf(ca, await certificates.findBySerial(caId, serial), now);
}

/** Where the CA's own certificate is stored: under its issuer (a root: under itself). */
export function ownCertificateKey(ca: Pick<CaRecord, 'id' | 'parentId' | 'serial'>): { caId: string; serial: string } {
  return { caId: ca.parentId ?? ca.id, serial: ca.serial };
}

/** As `ownCertificateState`, with the stored row of the CA's own certificate already read. */
export function ownCertificateStateOf(
  ca: Pick<CaRecord, 'notBefore' | 'notAfter'>,
  rec: Pick<CertificateRecord, 'status'> | undefined,
  now: Date,
): OwnCertificateState {
  if (now < ca.notBefore) return 'not-yet-valid';
  if (now >= ca.notAfter) return 'expired';
  if (!rec) return 'unknown';
  if (rec.status === 'revoked') return 'revoked';
  if (rec.status === 'on-hold') return 'on-hold';
  return rec.status === 'active' ? 'good' : 'unknown';
}
