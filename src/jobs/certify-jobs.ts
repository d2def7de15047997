import { AppError } from '../core/errors.js';
import { credentialOwnerOf, requireAuthorityScope, type Principal } from '../core/principal.js';
import type { AuthorityRecord } from '../copies/ports.js';
import type { CertifyRequest, CertifyResult } from '../copies/copy-service.js';

/** What a certify job needs of the certified-copy service. */
export interface CertifyJobPort {
  authority(id: string): Promise<AuthorityRecord | undefined>;
  certify(actor: Principal, input: CertifyRequest): Promise<CertifyResult>;
}

/** A certify job's request as stored: no PIN; the two batch authorizations by id. */
export interface StoredCertifyOptions {
  readonly principal: Principal;
  readonly request: Omit<CertifyRequest, 'original' | 'certifier' | 'seal'>;
  readonly certifier: { readonly credentialId: string; readonly title: string };
  readonly seal: { readonly credentialId: string; readonly authorizationId: string };
}

/**
 * Who holds the seal credential the certifier applies (the same rule as the copy service,
 * Decree 23/2015 and Decree 30/2020 Art. 32): the authority's seal custodian, else its
 * organization, else the certifier's official. Checked at submission so both PINs are tried once.
 */
export async function certifySigners(
  port: CertifyJobPort,
  p: Principal,
  authorityId: string,
  sealCredentialId: string | undefined,
): Promise<{ official: string; sealActor: string; sealCredentialId: string }> {
  const authority = await port.authority(authorityId);
  if (!authority) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${authorityId}`);
  requireAuthorityScope(p, authority, `certify in the register of ${authority.id}`);
  const official = credentialOwnerOf(p);
  const seal = sealCredentialId ?? authority.sealCredentialId;
  if (!seal) throw new AppError('VALIDATION_FAILED', 'the authority has no seal credential; give seal.credentialId');
  return { official, sealActor: authority.sealCustodianId ?? authority.organizationId ?? official, sealCredentialId: seal };
}
