import { AppError } from '../core/errors.js';
import { credentialOwnerOf, isProvinceWide, requireOrganizationScope, type Principal } from '../core/principal.js';
import { organizationOfCertificate, requireSubscriberScope } from '../pki/subscriber-scope.js';
import { CredentialRequestService, type BindableCertificate, type CredentialRequestPorts } from '../signing/credential-requests.js';
import type { ActivationCode, CredentialInfo } from '../signing/credential-service.js';
import { sealCustodiansFrom } from '../signing/certificate-holders.js';
import type { SigningAuthorization } from '../signing/ports.js';
import type { SigningWiring } from './signing.js';
import type { PkiWiring } from './pki.js';
import type { KysoContext } from './context.js';

/**
 * Server-held credential binding: the dual-control request service over the PKI store (the
 * certificate, its chain and subscriber) and the certifying authorities (seal custodians), and
 * the console path for the operator at the server (`kyso credential issue|add`).
 */
export interface CredentialsWiring {
  readonly requests: CredentialRequestService;
  /**
   * The operator at the server binds a key directly (full rights, no second person), still at
   * most one credential per key. With `pin` (the holder typing it at the console) the credential
   * is ready; without, the holder sets the PIN with the returned activation code.
   */
  /**
   * The credentials the principal signs with: those owned by the official it acts as, except
   * those whose certificate's subscriber is in another organization (a token naming another
   * organization's official sees none of theirs).
   */
  mine(actor: Principal): Promise<CredentialInfo[]>;
  /**
   * The holder turns the PIN into a batch authorization for `documents` signatures within
   * `ttlSeconds` (the Cloud Signature Consortium API's credentials/authorize and its SAD); nothing
   * is signed. Owner, lock and PIN rules are the credential's (CredentialService.authorizeBatch).
   */
  authorize(
    actor: Principal,
    credentialId: string,
    o: { pin: string; documents: number; ttlSeconds?: number },
  ): Promise<SigningAuthorization>;
  /** The holder ends one of their authorizations on this credential early. */
  revokeAuthorization(actor: Principal, credentialId: string, authorizationId: string): Promise<void>;
  bindAtConsole(o: { certificateId: string; ownerId: string; pin?: string; label?: string }): Promise<{
    credential: CredentialInfo;
    activation?: ActivationCode;
  }>;
}

export function createCredentials(ctx: KysoContext, o: { signing: SigningWiring; pki: PkiWiring }): CredentialsWiring {
  const ports: CredentialRequestPorts = {
    async certificate(id): Promise<BindableCertificate> {
      const cert = await o.pki.lifecycle.find({ id });
      if (!cert.der) throw new AppError('CERT_NOT_FOUND', `no certificate ${id}`);
      const chain = [cert.der, ...(await o.pki.issuance.chainOf(cert.caId))];
      return {
        id: cert.id,
        profile: cert.profile,
        subscriberId: cert.subscriberId,
        subjectDn: cert.subjectDn,
        keyUri: cert.keyUri,
        active: cert.status === 'active' && cert.notAfter > ctx.clock.now(),
        chain,
      };
    },
    requireScope: (actor, cert, what) => requireSubscriberScope(actor, o.pki.store.subscribers, cert.subscriberId, what),
    async requireCredentialScope(actor, credential, what) {
      requireOrganizationScope(actor, await organizationOfCertificate(o.pki.store, credential.certificate), what);
    },
    sealCustodians: sealCustodiansFrom(ctx.store.authorities),
  };
  const credentials = o.signing.credentials;
  const requests = new CredentialRequestService({ credentials, approvals: ctx.store.approvals, ports, audit: ctx.audit, clock: ctx.clock });
  return {
    requests,
    async mine(actor) {
      // a seal credential whose custodian was replaced is theirs no more to sign with: not offered
      const own: CredentialInfo[] = [];
      for (const c of await credentials.list(credentialOwnerOf(actor))) if (await credentials.heldByOwner(c)) own.push(c);
      if (isProvinceWide(actor)) return own;
      const out: CredentialInfo[] = [];
      for (const c of own) {
        // Same rule as signing: ownership decides; a certificate known to belong to ANOTHER organization is left out.
        const org = await organizationOfCertificate(o.pki.store, c.certificate);
        if (org === null || org === actor.organizationId) out.push(c);
      }
      return out;
    },
    authorize(actor, credentialId, a) {
      const ttl = a.ttlSeconds === undefined ? {} : { ttlMs: a.ttlSeconds * 1000 };
      return credentials.authorizeBatch(credentialId, credentialOwnerOf(actor), a.pin, a.documents, ttl);
    },
    revokeAuthorization(actor, credentialId, authorizationId) {
      return credentials.revokeAuthorization(authorizationId, credentialOwnerOf(actor), credentialId);
    },
    async bindAtConsole(b) {
      const cert = await ports.certificate(b.certificateId);
      if (!cert.active) throw new AppError('CERT_NOT_ACTIVE', 'the certificate is not active');
      if (!cert.keyUri) throw new AppError('VALIDATION_FAILED', 'the certificate key was not kept server-side (issue it with keepKey)');
      // Not held to the holder rule here: the console binds a seal before the authority naming its
      // custodian exists (`kyso authority add --seal-credential`); each use checks who holds it then.
      const common = {
        ownerId: b.ownerId,
        keyUri: cert.keyUri,
        certificates: cert.chain,
        label: b.label ?? `credential for ${cert.subjectDn}`,
        actor: 'cli',
      };
      if (b.pin !== undefined) return { credential: await credentials.register({ ...common, pin: b.pin }) };
      return credentials.registerAwaitingActivation(common);
    },
  };
}
