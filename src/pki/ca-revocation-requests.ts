import { AppError, isAppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { assertSecondPerson, type ApprovalRequest, type ApprovalRequestRepository } from '../core/approval-requests.js';
import { personOf, type Principal } from '../core/principal.js';
import type { LifecycleService } from './lifecycle-service.js';
import type { CertificateRecord, PkiAuditSink } from './ports.js';
import { parseRevocationReason } from './revocation-reasons.js';

/**
 * Revoking a CA, OCSP responder or TSA certificate over HTTP: an admin requests it and a second
 * admin approves, which carries it out (dual control for CA key lifecycle, as CA/B Forum
 * Baseline Requirements §5.2.2 asks of such operations). At the server the operator uses
 * `kyso ca revoke ID --reason R --confirm` instead.
 */
export interface CaRevocationDeps {
  readonly lifecycle: Pick<LifecycleService, 'revokeCaCertificate'>;
  readonly approvals: ApprovalRequestRepository;
  readonly cas: { get(id: string): Promise<unknown> };
  readonly audit: PkiAuditSink;
  readonly clock: Clock;
}

export class CaRevocationRequestService {
  constructor(private readonly d: CaRevocationDeps) {}

  async request(actor: Principal, caId: string, o: { reason: string | number; note?: string }): Promise<ApprovalRequest> {
    this.#admin(actor, 'request a CA certificate revocation');
    const reason = parseRevocationReason(o.reason);
    if (!(await this.d.cas.get(caId))) throw new AppError('CA_UNKNOWN', `no CA ${caId}`);
    const req: ApprovalRequest = {
      id: newId('apr'),
      kind: 'ca.revoke',
      target: caId,
      params: { reason, ...(o.note ? { note: o.note } : {}) },
      state: 'pending',
      requestedBy: personOf(actor),
      requestedAt: this.d.clock.now(),
      decidedBy: null,
      decidedAt: null,
      note: null,
    };
    try {
      await this.d.approvals.create(req);
    } catch (e) {
      if (isAppError(e, 'STORE_CONSTRAINT')) throw new AppError('CONFLICT', `a revocation of ${caId} is already pending`);
      throw e;
    }
    await this.#audit(actor, 'ca.revoke.request', req.id, 'success', { caId, reason });
    return req;
  }

  async approve(actor: Principal, requestId: string): Promise<{ request: ApprovalRequest; certificate: CertificateRecord }> {
    this.#admin(actor, 'approve a CA certificate revocation');
    const req = await this.get(requestId);
    try {
      assertSecondPerson(req, actor);
    } catch (e) {
      await this.#audit(actor, 'ca.revoke.approve', req.id, 'failure', { error: 'APPROVER_NOT_ALLOWED' });
      throw e;
    }
    if (!(await this.d.approvals.transition(req.id, 'pending', { state: 'approved', by: actor.id, at: this.d.clock.now() })))
      throw new AppError('REQUEST_STATE_INVALID', `request is ${req.state}, not pending`, { details: { state: req.state } });
    try {
      const certificate = await this.d.lifecycle.revokeCaCertificate(actor, req.target, {
        reason: req.params.reason ?? 'unspecified',
        approvedBy: actor.id,
      });
      await this.#audit(actor, 'ca.revoke.approve', req.id, 'success', { caId: req.target, requestedBy: req.requestedBy });
      return { request: await this.get(req.id), certificate };
    } catch (e) {
      const code = isAppError(e) ? e.code : 'INTERNAL';
      await this.d.approvals.transition(req.id, 'approved', { state: 'failed', note: code });
      await this.#audit(actor, 'ca.revoke.approve', req.id, 'failure', { error: code });
      throw e;
    }
  }

  async reject(actor: Principal, requestId: string, note?: string): Promise<ApprovalRequest> {
    this.#admin(actor, 'reject a CA certificate revocation');
    const req = await this.get(requestId);
    const ok = await this.d.approvals.transition(req.id, 'pending', {
      state: 'rejected',
      by: actor.id,
      at: this.d.clock.now(),
      note: note ?? null,
    });
    if (!ok) throw new AppError('REQUEST_STATE_INVALID', `request is ${req.state}, not pending`, { details: { state: req.state } });
    await this.#audit(actor, 'ca.revoke.reject', req.id, 'success', { caId: req.target });
    return this.get(req.id);
  }

  async get(requestId: string): Promise<ApprovalRequest> {
    const r = await this.d.approvals.get(requestId);
    if (!r || r.kind !== 'ca.revoke') throw new AppError('REQUEST_NOT_FOUND', 'no such CA revocation request');
    return r;
  }

  list(filter: { state?: ApprovalRequest['state'] } = {}): Promise<ApprovalRequest[]> {
    return this.d.approvals.list({ ...filter, kind: 'ca.revoke' });
  }

  #admin(actor: Principal, what: string): void {
    if (actor.role !== 'admin') throw new AppError('FORBIDDEN', `only an admin may ${what}`, { details: { required: ['admin'] } });
  }

  async #audit(
    actor: Principal,
    action: string,
    target: string,
    outcome: 'success' | 'failure',
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.d.audit.append({ actor: actor.id, role: actor.role, action, target, outcome, details });
  }
}
