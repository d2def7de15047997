import { AppError } from '../core/errors.js';
import { certificateInfo } from '../cms/certificate-info.js';
import { normalizeSerial } from '../pki/serial.js';
import { certId } from './document-identity.js';
import type { CertificateRepository } from '../pki/ports.js';

/** What decides who holds a certificate's key: the profile it was issued under and its subscriber. */
export interface HeldCertificate {
  readonly profile: string;
  readonly subscriberId: string | null;
}

/**
 * The people who may sign with a certificate of our CA: for an official's certificate, the
 * official it was issued to; for an organization's (its seal), the seal custodians recorded on
 * the organization's certifying authorities (Decree 30/2020: the document officer keeps the
 * seal). No one for any other profile (TSA, OCSP…) or a certificate without a subscriber.
 */
export async function holdersOf(cert: HeldCertificate, sealCustodians: (organizationId: string) => Promise<string[]>): Promise<string[]> {
  if (!cert.subscriberId) return [];
  if (cert.profile === 'individual') return [cert.subscriberId];
  if (cert.profile === 'organization') return sealCustodians(cert.subscriberId);
  return [];
}

/** The seal custodians of an organization, from the certifying authorities (their records name them). */
export function sealCustodiansFrom(authorities: {
  list(): Promise<readonly { readonly organizationId: string | null; readonly sealCustodianId: string | null }[]>;
}): (organizationId: string) => Promise<string[]> {
  return async (organizationId) =>
    (await authorities.list()).filter((a) => a.organizationId === organizationId && a.sealCustodianId).map((a) => a.sealCustodianId!);
}

/**
 * The holders of a certificate given by its bytes; undefined when no holder is on record: our CA
 * did not issue it (another CA's), or issued it to no registered subscriber (an administrator's
 * direct issuance; the RA never named a person for it). Another encoding of one of our
 * certificates (an ECDSA signature's s turned into n − s still verifies) is nobody's.
 */
export interface CertificateHolderPort {
  holders(certificate: Buffer): Promise<readonly string[] | undefined>;
}

/** The port over the CA's certificate store: the certificate found by serial and exact bytes. */
export function certificateHoldersFromPki(
  repo: Pick<CertificateRepository, 'findBySerialAnyCa'>,
  sealCustodians: (organizationId: string) => Promise<string[]>,
): CertificateHolderPort {
  return {
    async holders(certificate) {
      const { serialNumber } = certificateInfo(certificate, 'SIGNER_CERT_INVALID');
      // our CA's serials are positive and at most 20 octets (../pki/serial.ts): anything else is another CA's
      if (serialNumber < 0n || serialNumber >= 1n << 160n) return undefined;
      const rows = await repo.findBySerialAnyCa(normalizeSerial(serialNumber.toString(16)));
      const row = rows.find((r) => r.der?.equals(certificate));
      if (!row) return rows.length > 0 ? [] : undefined;
      return row.subscriberId ? holdersOf(row, sealCustodians) : undefined;
    },
  };
}

/**
 * A certificate of our CA is signed with only by its holder (`holdersOf`), whoever brings the key:
 * an official with another official's USB token, or a PKCS#12 file of theirs, does not sign
 * in their name through this service. Certificates with no holder on record pass (the verifier
 * judges those of other CAs).
 */
export async function requireHolder(port: CertificateHolderPort | undefined, actorId: string, certificate: Buffer): Promise<void> {
  const holders = await port?.holders(certificate);
  if (holders && !holders.includes(actorId))
    throw new AppError(
      'FORBIDDEN_SCOPE',
      "outside this token's scope: the certificate was issued to someone else; only its holder signs with it",
      {
        details: { reason: 'not-certificate-holder', certificate: certId(certificate) },
      },
    );
}
