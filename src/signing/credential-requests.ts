import { AppError, isAppError } from '../core/errors.js';
import { personOf, type Principal } from '../core/principal.js';
import type { Clock } from '../core/clock.js';
import { cryptoRandom, newId, type RandomSource } from '../core/ids.js';
import { assertSecondPerson, type ApprovalRequest, type ApprovalRequestRepository } from '../core/approval-requests.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ActivationCode, CredentialInfo, CredentialService } from './credential-service.js';
import { holdersOf } from './certificate-holders.js';

/**
 * Dual control over server-held credentials. Binding a key to its holder and resetting a PIN are
 * RA requests that a second person (another RA officer, or an admin) approves — never the
 * requester, admins included. A key is only ever bound to its own subject: the official the
 * certificate was issued to, or, for an organization's seal, the seal custodian recorded on the
 * organization's certifying authority (Decree 30/2020 Art. 32: the records clerk keeps the seal
 * and the organization's digital signature). Approval yields a one-time activation code handed
 * to the holder out of band; the holder alone then sets the PIN (CredentialService.activate).
 */
export interface BindableCertificate {
  readonly id: string;
  /** 'individual' (an official) or 'organization' (a seal); other profiles are never bound. */
  readonly profile: string;
  /** The subscriber the certificate was issued to (an official, or an organization). */
  readonly subscriberId: string | null;
  readonly subjectDn: string;
  /** KeyStore URI when the service holds the key; null otherwise. */
  readonly keyUri: string | null;
  readonly active: boolean;
  /** Leaf first, then its CA chain (DER). */
  readonly chain: Buffer[];
}

export interface CredentialRequestPorts {
  /** CERT_NOT_FOUND when unknown. */
  certificate(id: string): Promise<BindableCertificate>;
  /** Seal custodians recorded on the authorities of an organization (subscriber id). */
  sealCustodians(organizationId: string): Promise<string[]>;
  /** FORBIDDEN_SCOPE unless the actor is province-wide or works for the certificate subscriber's organization. */
  requireScope(actor: RequestActor, cert: BindableCertificate, what: string): Promise<void>;
  /**
   * FORBIDDEN_SCOPE unless the actor is province-wide or works for the organization of the
   * subscriber whose certificate the credential holds (a credential follows its certificate).
   */
  requireCredentialScope(actor: RequestActor, credential: CredentialInfo, what: string): Promise<void>;
}

export interface CredentialRequestOptions {
  readonly credentials: CredentialService;
  readonly approvals: ApprovalRequestRepository;
  readonly ports: CredentialRequestPorts;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random?: RandomSource;
}

/** Who acts: `id` names the person (their token), never a shared organization scope. */
export type RequestActor = Principal;

export interface ApprovalResult {
  readonly request: ApprovalRequest;
  readonly credentialId: string;
  /** Shown once: handed to the holder out of band, never logged or stored in clear. */
  readonly activation: ActivationCode;
}

const OFFICERS = ['admin', 'ra-officer'];

export class CredentialRequestService {
  readonly #o: CredentialRequestOptions;
  constructor(options: CredentialRequestOptions) {
    this.#o = options;
  }

  /** An RA officer or admin asks to bind a certificate's server-held key to its holder. */
  async requestBinding(actor: RequestActor, o: { certificateId: string; ownerId: string; label?: string }): Promise<ApprovalRequest> {
    this.#officer(actor, 'request credentials');
    const { cert, holders } = await this.#bindable(o.certificateId, o.ownerId, actor);
    const bound = await this.#o.credentials.findByKeyUri(cert.keyUri!);
    // A key bound to someone who no longer holds its certificate (a seal custodian replaced) goes
    // to the new holder when the request is approved (CredentialService.transfer).
    if (bound && holders.includes(bound.ownerId)) {
      await this.#auditFailure(actor, 'signing.credential.request', o.certificateId, 'CREDENTIAL_KEY_BOUND');
      throw new AppError('CREDENTIAL_KEY_BOUND', 'this key already has a credential; one key has one credential and one PIN', {
        details: { credentialId: bound.id },
      });
    }
    return this.#create(actor, 'credential.bind', o.certificateId, {
      ownerId: o.ownerId,
      ...(o.label !== undefined ? { label: o.label } : {}),
      // the approver sees that approving moves an existing credential away from its former owner
      ...(bound ? { transferFrom: bound.ownerId, credentialId: bound.id } : {}),
    });
  }

  /** An RA officer, an admin or the holder asks for a PIN reset (a forgotten PIN, a locked credential). */
  async requestPinReset(actor: RequestActor & { holderId?: string }, credentialId: string): Promise<ApprovalRequest> {
    const c = await this.#o.credentials.describe(credentialId);
    if (actor.holderId !== c.ownerId) this.#officer(actor, 'request a PIN reset');
    await this.#stillHeld(actor, 'signing.credential.pin-reset.request', c);
    // An officer acts for its own organization's holders only, and a holder's token within its own
    // organization (a token names its official by id only): a reset yields an activation code,
    // i.e. whoever holds it sets the PIN of that official's or seal's key.
    await this.#scoped(actor, 'signing.credential.pin-reset.request', credentialId, () =>
      this.#o.ports.requireCredentialScope(actor, c, `request a PIN reset of ${credentialId}`),
    );
    return this.#create(actor, 'credential.pin-reset', credentialId, { ownerId: c.ownerId });
  }

  /**
   * A second person approves: the request is claimed (pending → approved) before anything is
   * done, so two approvers cannot both act; binding re-checks the holder and the key. Returns the
   * activation code once.
   */
  async approve(actor: RequestActor, requestId: string): Promise<ApprovalResult> {
    this.#officer(actor, 'approve credential requests');
    const req = await this.get(requestId);
    // Checked before the request is claimed: a refusal leaves another organization's request pending.
    await this.#requireRequestScope(actor, req, 'signing.credential.approve');
    try {
      assertSecondPerson(req, actor);
    } catch (e) {
      await this.#auditFailure(actor, 'signing.credential.approve', req.id, 'APPROVER_NOT_ALLOWED');
      throw e;
    }
    if (!(await this.#o.approvals.transition(req.id, 'pending', { state: 'approved', by: actor.id, at: this.#o.clock.now() }))) {
      throw new AppError('REQUEST_STATE_INVALID', `request is ${req.state}, not pending`, { details: { state: req.state } });
    }
    try {
      const { credentialId, activation } = await this.#carryOut(actor, req);
      await this.#audit(actor, 'signing.credential.approve', req.id, 'success', {
        kind: req.kind,
        credentialId,
        requestedBy: req.requestedBy,
        activationExpiresAt: activation.expiresAt.toISOString(),
      });
      return { request: await this.get(req.id), credentialId, activation };
    } catch (e) {
      const code = isAppError(e) ? e.code : 'INTERNAL';
      await this.#o.approvals.transition(req.id, 'approved', { state: 'failed', note: code });
      await this.#auditFailure(actor, 'signing.credential.approve', req.id, code);
      throw e;
    }
  }

  async reject(actor: RequestActor, requestId: string, note?: string): Promise<ApprovalRequest> {
    this.#officer(actor, 'reject credential requests');
    const req = await this.get(requestId);
    await this.#requireRequestScope(actor, req, 'signing.credential.reject');
    const ok = await this.#o.approvals.transition(req.id, 'pending', {
      state: 'rejected',
      by: actor.id,
      at: this.#o.clock.now(),
      note: note ?? null,
    });
    if (!ok) throw new AppError('REQUEST_STATE_INVALID', `request is ${req.state}, not pending`, { details: { state: req.state } });
    await this.#audit(actor, 'signing.credential.reject', req.id, 'success', { kind: req.kind });
    return this.get(req.id);
  }

  /** The holder sets the PIN with the activation code (see CredentialService.activate). */
  activate(holderId: string, credentialId: string, code: string, pin: string): Promise<CredentialInfo> {
    return this.#o.credentials.activate(credentialId, holderId, code, pin);
  }

  async get(requestId: string): Promise<ApprovalRequest> {
    const r = await this.#o.approvals.get(requestId);
    if (!r || (r.kind !== 'credential.bind' && r.kind !== 'credential.pin-reset'))
      throw new AppError('REQUEST_NOT_FOUND', 'no such credential request');
    return r;
  }

  async list(filter: { state?: ApprovalRequest['state']; limit?: number } = {}): Promise<ApprovalRequest[]> {
    const [binds, resets] = await Promise.all([
      this.#o.approvals.list({ ...filter, kind: 'credential.bind' }),
      this.#o.approvals.list({ ...filter, kind: 'credential.pin-reset' }),
    ]);
    return [...binds, ...resets].sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime()).slice(0, filter.limit ?? 100);
  }

  async #carryOut(actor: RequestActor, req: ApprovalRequest): Promise<{ credentialId: string; activation: ActivationCode }> {
    if (req.kind === 'credential.pin-reset') {
      // decided after the credential changed hands: the reset was asked for its former owner
      const c = await this.#o.credentials.describe(req.target);
      if (c.ownerId !== req.params.ownerId)
        throw new AppError('REQUEST_STATE_INVALID', 'the credential has another owner than when the reset was requested', {
          details: { reason: 'owner-changed' },
        });
      await this.#stillHeld(actor, 'signing.credential.approve', c);
      return { credentialId: req.target, activation: await this.#o.credentials.resetPin(req.target, actor.id) };
    }
    const ownerId = req.params.ownerId ?? '';
    const { cert } = await this.#bindable(req.target, ownerId, actor);
    const bound = await this.#o.credentials.findByKeyUri(cert.keyUri!);
    if (bound) {
      const moved = await this.#o.credentials.transfer(bound.id, ownerId, actor.id);
      await this.#rejectPendingResets(actor, bound.id);
      return { credentialId: moved.credential.id, activation: moved.activation };
    }
    const { credential, activation } = await this.#o.credentials.registerAwaitingActivation({
      ownerId,
      keyUri: cert.keyUri!,
      certificates: cert.chain,
      label: req.params.label ?? `credential for ${cert.subjectDn}`,
      actor: actor.id,
    });
    return { credentialId: credential.id, activation };
  }

  /** The certificate is active, its key is held here, and `ownerId` is its own subject; with its holders now. */
  async #bindable(certificateId: string, ownerId: string, actor: RequestActor): Promise<{ cert: BindableCertificate; holders: string[] }> {
    const cert = await this.#o.ports.certificate(certificateId);
    await this.#scoped(actor, 'signing.credential.request', certificateId, () =>
      this.#o.ports.requireScope(actor, cert, `bind a credential to ${certificateId}`),
    );
    if (!cert.active) throw new AppError('CERT_NOT_ACTIVE', 'the certificate is not active');
    if (!cert.keyUri) throw new AppError('VALIDATION_FAILED', 'the certificate key was not kept server-side (issue it with keepKey)');
    const holders = await holdersOf(cert, (org) => this.#o.ports.sealCustodians(org));
    if (!holders.includes(ownerId)) {
      await this.#auditFailure(actor, 'signing.credential.request', certificateId, 'CREDENTIAL_HOLDER_INVALID', { ownerId });
      throw new AppError(
        'CREDENTIAL_HOLDER_INVALID',
        cert.profile === 'organization'
          ? "a seal credential is bound only to the seal custodian recorded on the organization's authority"
          : 'a credential is bound only to the official the certificate was issued to',
        { details: { ownerId } },
      );
    }
    return { cert, holders };
  }

  /**
   * Deciding on a request is for officers of the organization the credential (PIN reset) or the
   * certificate (binding) belongs to, as deciding on a certificate request is (RaService.decide).
   */
  async #requireRequestScope(actor: RequestActor, req: ApprovalRequest, action: string): Promise<void> {
    const what = `decide on credential request ${req.id}`;
    await this.#scoped(actor, action, req.id, async () => {
      if (req.kind === 'credential.pin-reset') {
        await this.#o.ports.requireCredentialScope(actor, await this.#o.credentials.describe(req.target), what);
      } else {
        await this.#o.ports.requireScope(actor, await this.#o.ports.certificate(req.target), what);
      }
    });
  }

  /** CREDENTIAL_HOLDER_INVALID (audited) when the credential's owner no longer holds its certificate (a replaced seal custodian). */
  async #stillHeld(actor: RequestActor, action: string, c: CredentialInfo): Promise<void> {
    if (await this.#o.credentials.heldByOwner(c)) return;
    await this.#auditFailure(actor, action, c.id, 'CREDENTIAL_HOLDER_INVALID', { ownerId: c.ownerId });
    throw new AppError(
      'CREDENTIAL_HOLDER_INVALID',
      "the credential's owner no longer holds its certificate: bind it to the holder named now",
      {
        details: { ownerId: c.ownerId },
      },
    );
  }

  /** A PIN reset asked for the former owner of a credential just transferred would clear the new holder's PIN: rejected. */
  async #rejectPendingResets(actor: RequestActor, credentialId: string): Promise<void> {
    const pending = await this.#o.approvals.list({ kind: 'credential.pin-reset', state: 'pending', limit: 10_000 });
    for (const r of pending.filter((p) => p.target === credentialId)) {
      const note = 'the credential was given to its new holder';
      if (await this.#o.approvals.transition(r.id, 'pending', { state: 'rejected', by: actor.id, at: this.#o.clock.now(), note }))
        await this.#audit(actor, 'signing.credential.reject', r.id, 'success', { kind: r.kind, reason: 'credential-transferred' });
    }
  }

  /** Runs a scope check; a FORBIDDEN_SCOPE refusal is audited as a failure of `action` on `target`. */
  async #scoped(actor: RequestActor, action: string, target: string, check: () => Promise<void>): Promise<void> {
    try {
      await check();
    } catch (e) {
      if (isAppError(e, 'FORBIDDEN_SCOPE')) await this.#auditFailure(actor, action, target, 'FORBIDDEN_SCOPE');
      throw e;
    }
  }

  async #create(
    actor: RequestActor,
    kind: ApprovalRequest['kind'],
    target: string,
    params: Record<string, string>,
  ): Promise<ApprovalRequest> {
    const req: ApprovalRequest = {
      id: newId('apr', this.#o.random ?? cryptoRandom),
      kind,
      target,
      params,
      state: 'pending',
      requestedBy: personOf(actor),
      requestedAt: this.#o.clock.now(),
      decidedBy: null,
      decidedAt: null,
      note: null,
    };
    try {
      await this.#o.approvals.create(req);
    } catch (e) {
      if (isAppError(e, 'STORE_CONSTRAINT')) throw new AppError('CONFLICT', 'a request for this is already pending');
      throw e;
    }
    await this.#audit(
      actor,
      kind === 'credential.bind' ? 'signing.credential.request' : 'signing.credential.pin-reset.request',
      req.id,
      'success',
      {
        target,
        ...params,
      },
    );
    return req;
  }

  #officer(actor: RequestActor, what: string): void {
    if (!OFFICERS.includes(actor.role))
      throw new AppError('FORBIDDEN', `role "${actor.role}" may not ${what}`, { details: { required: OFFICERS } });
  }

  async #audit(
    actor: RequestActor,
    action: string,
    target: string,
    outcome: 'success' | 'failure',
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.#o.audit.append({ actor: actor.id, role: actor.role, action, target, outcome, ...(details ? { details } : {}) });
  }

  #auditFailure(actor: RequestActor, action: string, target: string, error: string, extra: Record<string, unknown> = {}): Promise<void> {
    return this.#audit(actor, action, target, 'failure', { error, ...extra });
  }
}
