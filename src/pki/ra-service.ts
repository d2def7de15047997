import type { Clock } from '../core/clock.js';
import { AppError, isAppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { KeySpec } from '../keys/key-store.js';
import { isSamePerson } from '../core/approval-requests.js';
import { personOf, requireOrganizationScope, requireRole, type Principal } from '../core/principal.js';
import { organizationOf, requireSubscriberScope } from './subscriber-scope.js';
import { parseCsr } from './csr.js';
import { certificateInfo } from '../cms/certificate-info.js';
import type { IssuanceService, IssueResult } from './issuance-service.js';
import type { LifecycleService } from './lifecycle-service.js';
import { normalizeSubject } from './names.js';
import { checkSubjectForProfile } from './subject-rules.js';
import type {
  CertificateRecord,
  PkiAuditSink,
  PkiStore,
  RequestKind,
  RequestParams,
  RequestRecord,
  SubjectFields,
  SubscriberFilter,
  SubscriberKind,
  SubscriberRecord,
  RequestFilter,
} from './ports.js';
import { getProfile, SUBSCRIBER_PROFILES, validityFor } from './profiles.js';
import { parseRevocationReason } from './revocation-reasons.js';

export interface RaDeps {
  readonly store: PkiStore;
  readonly audit: PkiAuditSink;
  readonly clock: Clock;
  readonly issuance: IssuanceService;
  readonly lifecycle: LifecycleService;
}

export interface RegisterInput {
  readonly subject: SubjectFields;
  /** Required for officials and devices; optional (superior agency) for organizations. */
  readonly managingOrganizationId?: string | null;
  readonly position?: string | null;
}

export interface CreateRequestInput {
  readonly kind: RequestKind;
  readonly subscriberId: string;
  readonly profile?: string;
  readonly caId?: string;
  /** Target certificate for renew/rekey/change-info/revoke. */
  readonly certificateId?: string;
  /** PKCS#10 (DER or PEM); omit for server-side key generation. */
  readonly csr?: Buffer | string;
  readonly keySpec?: KeySpec;
  readonly validityDays?: number;
  /** change-info: the new subject. */
  readonly subject?: SubjectFields;
  readonly revocationReason?: string | number;
  readonly invalidityDate?: string | Date;
  readonly note?: string;
}

export interface CompleteResult {
  readonly request: RequestRecord;
  /** Issued certificate (new/renew/rekey/change-info); `pkcs12` only with server-side keygen. */
  readonly issued?: IssueResult;
  /** Revoked certificate (revoke). */
  readonly revoked?: CertificateRecord;
}

const RA_ROLES = ['admin', 'ra-officer'];
const DEFAULT_PROFILE: Record<SubscriberKind, string> = { organization: 'organization', individual: 'individual', device: 'device' };
const REQUEST_KINDS: readonly RequestKind[] = ['new', 'renew', 'rekey', 'change-info', 'revoke'];

/**
 * Registration authority: subscribers (organizations, officials, devices), requests and their
 * approval by the managing organization (docs/domain.md: "requests come from the subscriber's
 * managing agency and need its head's approval"), then completion through the CA services.
 * Every decision is audited; bad input is refused before anything is stored.
 */
export class RaService {
  constructor(private readonly d: RaDeps) {}

  registerOrganization(actor: Principal, o: RegisterInput): Promise<SubscriberRecord> {
    return this.#register(actor, 'organization', o);
  }

  registerOfficial(actor: Principal, o: RegisterInput): Promise<SubscriberRecord> {
    return this.#register(actor, 'individual', o);
  }

  registerDevice(actor: Principal, o: RegisterInput): Promise<SubscriberRecord> {
    return this.#register(actor, 'device', o);
  }

  async getSubscriber(id: string): Promise<SubscriberRecord> {
    const s = await this.d.store.subscribers.get(id);
    if (!s) throw new AppError('SUBSCRIBER_NOT_FOUND', 'subscriber not found', { details: { subscriberId: id } });
    return s;
  }

  listSubscribers(filter: SubscriberFilter = {}): Promise<SubscriberRecord[]> {
    return this.d.store.subscribers.list(filter);
  }

  async #register(actor: Principal, kind: SubscriberKind, o: RegisterInput): Promise<SubscriberRecord> {
    requireRole(actor, RA_ROLES, 'register subscribers');
    const subject = normalizeSubject(o?.subject);
    const uids = subject.uids ?? [];
    if (kind !== 'device') checkSubjectForProfile(kind, subject);
    if (kind === 'individual' && !uids.some((u) => u.startsWith('CCCD:') || u.startsWith('CMND:'))) {
      throw new AppError('SUBJECT_INVALID', 'an official needs a CCCD: or CMND: identifier', { details: { field: 'uids' } });
    }
    const managing = o.managingOrganizationId ?? null;
    // An RA officer registers subscribers under its own organization only.
    requireOrganizationScope(actor, managing, 'register a subscriber under another organization');
    if (kind !== 'organization' && !managing)
      throw new AppError('VALIDATION_FAILED', 'managingOrganizationId is required', { details: { field: 'managingOrganizationId' } });
    if (managing) {
      const m = await this.d.store.subscribers.get(managing);
      if (!m || m.kind !== 'organization')
        throw new AppError('SUBSCRIBER_NOT_FOUND', 'managing organization not found', { details: { managingOrganizationId: managing } });
    }
    const now = this.d.clock.now();
    const rec: SubscriberRecord = {
      id: newId('sub'),
      kind,
      managingOrganizationId: managing,
      name: subject.commonName,
      subject,
      identifiers: uids,
      email: subject.email ?? null,
      position: kind === 'individual' ? o.position?.trim() || subject.title || null : null,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    };
    await this.d.store.subscribers.insert(rec);
    await this.d.audit.append({
      actor: actor.id,
      role: actor.role,
      action: 'subscriber.register',
      target: rec.id,
      outcome: 'success',
      details: { kind, name: rec.name, identifiers: uids, managingOrganizationId: managing },
    });
    return rec;
  }

  async getRequest(id: string): Promise<RequestRecord> {
    const r = await this.d.store.requests.get(id);
    if (!r) throw new AppError('REQUEST_NOT_FOUND', 'request not found', { details: { requestId: id } });
    return r;
  }

  listRequests(filter: RequestFilter = {}): Promise<RequestRecord[]> {
    return this.d.store.requests.list(filter);
  }

  /** Validates everything that can be validated now (CSR proof of possession, caps, reasons). */
  async createRequest(actor: Principal, o: CreateRequestInput): Promise<RequestRecord> {
    requireRole(actor, RA_ROLES, 'create certificate requests');
    if (!o || !REQUEST_KINDS.includes(o.kind))
      throw new AppError('VALIDATION_FAILED', `kind must be one of ${REQUEST_KINDS.join(', ')}`, { details: { field: 'kind' } });
    const sub = await this.getSubscriber(o.subscriberId);
    requireOrganizationScope(actor, organizationOf(sub), `request a certificate for ${sub.id}`);
    if (sub.status !== 'active') throw new AppError('VALIDATION_FAILED', 'subscriber is inactive');
    let cert: CertificateRecord | undefined;
    if (o.kind !== 'new') {
      if (!o.certificateId) throw new AppError('VALIDATION_FAILED', 'certificateId is required', { details: { field: 'certificateId' } });
      cert = await this.d.store.certificates.findById(o.certificateId);
      if (!cert || cert.subscriberId !== sub.id || cert.status === 'pending' || cert.status === 'failed')
        throw new AppError('CERT_NOT_FOUND', 'certificate not found for this subscriber');
      if (cert.status === 'revoked') throw new AppError('CERT_ALREADY_REVOKED', 'certificate is revoked');
      if (o.kind !== 'revoke' && cert.status !== 'active') throw new AppError('CERT_NOT_ACTIVE', `certificate is ${cert.status}`);
    }
    const profile = getProfile(o.profile ?? cert?.profile ?? DEFAULT_PROFILE[sub.kind]);
    if (!SUBSCRIBER_PROFILES.includes(profile.id) || !profile.subscriberKinds.includes(sub.kind)) {
      throw new AppError('VALIDATION_FAILED', `profile ${profile.id} is not for a ${sub.kind} subscriber`, {
        details: { field: 'profile' },
      });
    }
    if (!profile.requesterRoles.includes(actor.role)) throw new AppError('FORBIDDEN', `role ${actor.role} may not request ${profile.id}`);
    const params: { -readonly [K in keyof RequestParams]: RequestParams[K] } = {};
    let csrDer: Buffer | null = null;
    const now = this.d.clock.now();
    if (o.kind !== 'revoke') {
      validityFor(profile, now, o.validityDays, o.kind === 'renew');
      if (o.validityDays !== undefined) params.validityDays = o.validityDays;
    }
    if (o.kind === 'new' || o.kind === 'rekey' || (o.kind === 'change-info' && o.csr)) {
      if (o.csr) {
        const csr = parseCsr(o.csr);
        if (o.kind === 'rekey' && cert && csr.spkiSha256 === cert.spkiSha256)
          throw new AppError('VALIDATION_FAILED', 'rekey needs a new key', { details: { field: 'csr' } });
        csrDer = csr.der;
      } else if (o.kind !== 'change-info') {
        if (o.keySpec) {
          const ks = o.keySpec;
          const ok =
            (ks.type === 'rsa' && [2048, 3072, 4096].includes(ks.bits)) || (ks.type === 'ec' && ['P-256', 'P-384'].includes(ks.curve));
          if (!ok)
            throw new AppError('VALIDATION_FAILED', 'keySpec must be RSA 2048/3072/4096 or EC P-256/P-384', {
              details: { field: 'keySpec' },
            });
          params.keySpec = ks;
        }
      }
    }
    if (o.kind === 'change-info') {
      if (!o.subject) throw new AppError('VALIDATION_FAILED', 'subject is required for change-info', { details: { field: 'subject' } });
      params.subject = normalizeSubject(o.subject);
      checkSubjectForProfile(profile.id, params.subject);
    }
    if (o.kind === 'revoke') {
      params.revocationReason = parseRevocationReason(o.revocationReason);
      if (o.invalidityDate) {
        const d = new Date(o.invalidityDate);
        if (!Number.isFinite(d.getTime()) || d > now)
          throw new AppError('VALIDATION_FAILED', 'invalidityDate must be a past date', { details: { field: 'invalidityDate' } });
        params.invalidityDate = d.toISOString();
      }
    }
    if (o.note) params.note = String(o.note).slice(0, 1000);
    const rec: RequestRecord = {
      id: newId('req'),
      kind: o.kind,
      state: 'pending',
      subscriberId: sub.id,
      profile: profile.id,
      caId: o.caId ?? cert?.caId ?? profile.defaultCaId,
      certificateId: cert?.id ?? null,
      csrDer,
      params,
      requestedBy: personOf(actor),
      requestedAt: now,
      decidedBy: null,
      decidedAt: null,
      decisionNote: null,
      resultCertificateId: null,
      completedAt: null,
      failureReason: null,
    };
    await this.d.store.requests.insert(rec);
    await this.d.audit.append({
      actor: actor.id,
      role: actor.role,
      action: 'request.create',
      target: rec.id,
      outcome: 'success',
      details: {
        kind: rec.kind,
        subscriberId: sub.id,
        profile: profile.id,
        certificateId: rec.certificateId,
        serverKeygen: o.kind !== 'revoke' && !csrDer,
      },
    });
    return rec;
  }

  /** Only the managing organization's RA officer (not the requester) or an admin may decide. */
  async #checkApprover(actor: Principal, req: RequestRecord): Promise<void> {
    if (actor.role === 'admin') return;
    const sub = await this.getSubscriber(req.subscriberId);
    const allowed =
      actor.role === 'ra-officer' &&
      !!sub.managingOrganizationId &&
      actor.organizationId === sub.managingOrganizationId &&
      !isSamePerson(req.requestedBy, actor);
    if (!allowed) {
      await this.d.audit.append({
        actor: actor.id,
        role: actor.role,
        action: 'request.decide',
        target: req.id,
        outcome: 'failure',
        details: { error: 'APPROVER_NOT_ALLOWED' },
      });
      throw new AppError('APPROVER_NOT_ALLOWED', 'only an approver of the managing organization, other than the requester, may decide', {
        details: { managingOrganizationId: sub.managingOrganizationId },
      });
    }
  }

  approve(actor: Principal, requestId: string, note?: string): Promise<RequestRecord> {
    return this.#decide(actor, requestId, 'approved', note);
  }

  reject(actor: Principal, requestId: string, note?: string): Promise<RequestRecord> {
    return this.#decide(actor, requestId, 'rejected', note);
  }

  async #decide(actor: Principal, requestId: string, state: 'approved' | 'rejected', note?: string): Promise<RequestRecord> {
    requireRole(actor, RA_ROLES, 'decide on requests');
    const req = await this.getRequest(requestId);
    await requireSubscriberScope(actor, this.d.store.subscribers, req.subscriberId, `decide on request ${req.id}`);
    await this.#checkApprover(actor, req);
    const ok = await this.d.store.requests.transition(req.id, 'pending', {
      state,
      decidedBy: actor.id,
      decidedAt: this.d.clock.now(),
      decisionNote: note ?? null,
    });
    if (!ok) throw new AppError('REQUEST_STATE_INVALID', `request is ${req.state}, not pending`, { details: { state: req.state } });
    await this.d.audit.append({
      actor: actor.id,
      role: actor.role,
      action: state === 'approved' ? 'request.approve' : 'request.reject',
      target: req.id,
      outcome: 'success',
      details: { kind: req.kind, note: note ?? null },
    });
    return this.getRequest(req.id);
  }

  /**
   * Carries out an approved request. The request is claimed (approved → completed) first so two
   * callers cannot both issue; a failure moves it to 'failed' with the error code.
   * `pkcs12Password` is needed when the request asked for server-side key generation.
   */
  async complete(actor: Principal, requestId: string, o: { pkcs12Password?: string; keepKey?: boolean } = {}): Promise<CompleteResult> {
    requireRole(actor, RA_ROLES, 'complete requests');
    const req = await this.getRequest(requestId);
    await requireSubscriberScope(actor, this.d.store.subscribers, req.subscriberId, `complete request ${req.id}`);
    if (req.state !== 'approved')
      throw new AppError('REQUEST_STATE_INVALID', `request is ${req.state}, not approved`, { details: { state: req.state } });
    const serverKeygen = (req.kind === 'new' || req.kind === 'rekey') && !req.csrDer;
    if (serverKeygen && (typeof o.pkcs12Password !== 'string' || o.pkcs12Password.length < 4)) {
      throw new AppError('VALIDATION_FAILED', 'pkcs12Password (≥ 4 characters) is required for server-side key generation', {
        details: { field: 'pkcs12Password' },
      });
    }
    if (!(await this.d.store.requests.transition(req.id, 'approved', { state: 'completed', completedAt: this.d.clock.now() }))) {
      throw new AppError('REQUEST_STATE_INVALID', 'request was completed concurrently');
    }
    try {
      const result = await this.#execute(actor, req, o);
      const resultCertificateId = result.issued?.certificate.id ?? result.revoked?.id;
      if (resultCertificateId) await this.d.store.requests.transition(req.id, 'completed', { state: 'completed', resultCertificateId });
      await this.d.audit.append({
        actor: actor.id,
        role: actor.role,
        action: 'request.complete',
        target: req.id,
        outcome: 'success',
        details: { kind: req.kind, certificateId: resultCertificateId ?? null },
      });
      return { request: await this.getRequest(req.id), ...result };
    } catch (e) {
      const code = isAppError(e) ? e.code : 'INTERNAL';
      await this.d.store.requests.transition(req.id, 'completed', { state: 'failed', failureReason: code }).catch(() => undefined);
      await this.d.audit
        .append({
          actor: actor.id,
          role: actor.role,
          action: 'request.complete',
          target: req.id,
          outcome: 'failure',
          details: { kind: req.kind, error: code },
        })
        .catch(() => undefined);
      throw e;
    }
  }

  async #execute(
    actor: Principal,
    req: RequestRecord,
    o: { pkcs12Password?: string; keepKey?: boolean },
  ): Promise<{ issued?: IssueResult; revoked?: CertificateRecord }> {
    const sub = await this.getSubscriber(req.subscriberId);
    const old = req.certificateId ? await this.d.store.certificates.findById(req.certificateId) : undefined;
    if (req.kind === 'revoke') {
      const revoked = await this.d.lifecycle.revoke(
        actor,
        { id: req.certificateId as string },
        { reason: req.params.revocationReason ?? 'unspecified', invalidityDate: req.params.invalidityDate ?? null },
      );
      return { revoked };
    }
    if (req.kind !== 'new' && (!old || old.status !== 'active' || !old.der))
      throw new AppError('CERT_NOT_ACTIVE', 'the certificate to replace is no longer active');
    const keygen = {
      pkcs12Password: o.pkcs12Password ?? '',
      keepKey: o.keepKey === true,
      ...(req.params.keySpec ? { generate: req.params.keySpec } : {}),
    };
    const existing = old?.der ? { existingSpki: certificateInfo(old.der, 'INTERNAL').spki, keyUri: old.keyUri } : undefined;
    const key = req.kind === 'renew' ? existing : req.csrDer ? { csr: req.csrDer } : req.kind === 'change-info' ? existing : keygen;
    if (!key) throw new AppError('CERT_NOT_ACTIVE', 'no key to certify');
    const subject = req.kind === 'change-info' && req.params.subject ? req.params.subject : sub.subject;
    const issued = await this.d.issuance.run(actor, {
      profile: req.profile,
      caId: req.caId,
      subject,
      subscriberId: sub.id,
      requestId: req.id,
      replacesId: old?.id ?? null,
      renewal: req.kind === 'renew',
      key,
      ...(req.params.validityDays !== undefined ? { validityDays: req.params.validityDays } : {}),
    });
    if (req.kind === 'change-info' && req.params.subject) {
      await this.d.store.subscribers.update(sub.id, {
        subject: req.params.subject,
        name: req.params.subject.commonName,
        identifiers: req.params.subject.uids ?? [],
        email: req.params.subject.email ?? null,
        updatedAt: this.d.clock.now(),
      });
    }
    // A rekey or change of information supersedes the old certificate (RFC 5280 reason 4).
    if ((req.kind === 'rekey' || req.kind === 'change-info') && old) {
      await this.d.lifecycle.revoke(actor, { id: old.id }, { reason: 'superseded' });
    }
    return { issued };
  }
}
