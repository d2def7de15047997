import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { requireRole, type Principal } from '../core/principal.js';
import type { CertificateFilter, CertificateRecord, CertificateStatus, PkiAuditSink, PkiStore, StoredRevocationReason } from './ports.js';
import { parseRevocationReason } from './revocation-reasons.js';
import { requireSubscriberScope } from './subscriber-scope.js';
import { normalizeSerial } from './serial.js';

export interface LifecycleDeps {
  readonly store: PkiStore;
  readonly audit: PkiAuditSink;
  readonly clock: Clock;
  /** Called after every status change (OCSP cache invalidation, CRL dirty flag). */
  readonly onStatusChange?: (caId: string, serial: string) => void;
}

/** How callers name a certificate: by id, or by serial (optionally with its CA). */
export type CertificateRef = { readonly id: string } | { readonly serial: string; readonly caId?: string };

const LIFECYCLE_ROLES = ['admin', 'ra-officer', 'system'];

/**
 * Certificates of the CA's own keys: revoking or suspending one stops every certificate, CRL,
 * OCSP answer or timestamp under it (RFC 5280 §6.1.3), so the ordinary lifecycle operations
 * refuse them; only `revokeCaCertificate` changes them.
 */
export const CA_PROFILES: ReadonlySet<string> = new Set(['root-ca', 'issuing-ca', 'ocsp-responder', 'tsa']);

/**
 * Revocation, suspension (certificateHold) and release (RFC 5280 §5.3.1). Every change is a
 * compare-and-set on the stored status, audited with its outcome; CRLs are NOT rebuilt here
 * (CrlService regenerates on its schedule or on demand).
 */
export class LifecycleService {
  constructor(private readonly d: LifecycleDeps) {}

  async find(ref: CertificateRef): Promise<CertificateRecord> {
    let c: CertificateRecord | undefined;
    if ('id' in ref) c = await this.d.store.certificates.findById(ref.id);
    else {
      const serial = normalizeSerial(ref.serial);
      if (ref.caId) c = await this.d.store.certificates.findBySerial(ref.caId, serial);
      else {
        const all = (await this.d.store.certificates.findBySerialAnyCa(serial)).filter(
          (x) => x.status !== 'failed' && x.status !== 'pending',
        );
        if (all.length > 1)
          throw new AppError('CONFLICT', 'serial exists under several CAs: name the CA', { details: { cas: all.map((x) => x.caId) } });
        c = all[0];
      }
    }
    if (!c || c.status === 'pending' || c.status === 'failed') throw new AppError('CERT_NOT_FOUND', 'certificate not found');
    return c;
  }

  /** An RA officer changes only certificates of its own organization's subscribers (refusal audited). */
  async #findInScope(actor: Principal, ref: CertificateRef, action: string): Promise<CertificateRecord> {
    const c = await this.find(ref);
    await this.#requireScope(actor, c, action);
    return c;
  }

  /**
   * CA, OCSP-responder and TSA certificates are refused before any scope question (they belong to
   * no organization and no ordinary route may change them); other certificates need scope.
   */
  async #findChangeable(actor: Principal, ref: CertificateRef, action: string): Promise<CertificateRecord> {
    const c = await this.find(ref);
    if (CA_PROFILES.has(c.profile)) return this.#protected(actor, action, c);
    await this.#requireScope(actor, c, action);
    return c;
  }

  async #requireScope(actor: Principal, c: CertificateRecord, action: string): Promise<void> {
    try {
      await requireSubscriberScope(actor, this.d.store.subscribers, c.subscriberId, `${action} ${c.id}`);
    } catch (err) {
      await this.d.audit.append({
        actor: actor.id,
        role: actor.role,
        action,
        target: c.id,
        outcome: 'failure',
        details: { error: 'FORBIDDEN_SCOPE' },
      });
      throw err;
    }
  }

  /** Issued certificates (pending/failed rows included only when asked by status). */
  list(filter: CertificateFilter = {}): Promise<CertificateRecord[]> {
    return this.d.store.certificates.list(filter);
  }

  /** Permanent revocation; reason by RFC 5280 name or number (not certificateHold). */
  async revoke(
    actor: Principal,
    ref: CertificateRef,
    o: { reason?: string | number; invalidityDate?: Date | string | null } = {},
  ): Promise<CertificateRecord> {
    requireRole(actor, LIFECYCLE_ROLES, 'revoke certificates');
    const reason = parseRevocationReason(o.reason);
    const c = await this.#findChangeable(actor, ref, 'certificate.revoke');
    return this.#revoke(actor, c, reason, o);
  }

  /**
   * Revokes the certificate of a CA, an OCSP responder or the TSA, by CA id. Only two callers
   * reach this: `kyso ca revoke ID --reason R --confirm` run by the operator at the server, and
   * an admin's HTTP request approved by a second admin (./ca-revocation-requests.ts).
   */
  async revokeCaCertificate(
    actor: Principal,
    caId: string,
    o: { reason?: string | number; invalidityDate?: Date | string | null; approvedBy?: string },
  ): Promise<CertificateRecord> {
    const reason = parseRevocationReason(o.reason);
    const ca = await this.d.store.cas.get(caId);
    if (!ca) throw new AppError('CA_UNKNOWN', `no CA ${caId}`);
    const c = await this.find({ serial: ca.serial, caId: ca.parentId ?? ca.id });
    return this.#revoke(actor, c, reason, o, o.approvedBy ? { approvedBy: o.approvedBy } : {});
  }

  async #revoke(
    actor: Principal,
    c: CertificateRecord,
    reason: StoredRevocationReason,
    o: { invalidityDate?: Date | string | null },
    extra: Record<string, unknown> = {},
  ): Promise<CertificateRecord> {
    const invalidityDate = this.#invalidity(o.invalidityDate, c);
    if (c.status === 'revoked')
      return this.#refuse(actor, 'certificate.revoke', c, 'CERT_ALREADY_REVOKED', 'certificate is already revoked');
    if (c.status !== 'active' && c.status !== 'on-hold')
      return this.#refuse(actor, 'certificate.revoke', c, 'CERT_NOT_ACTIVE', `certificate is ${c.status}`);
    const at = this.d.clock.now();
    return this.#change(
      actor,
      'certificate.revoke',
      c,
      c.status,
      {
        status: 'revoked',
        revocationReason: reason,
        revokedAt: at,
        invalidityDate,
        at,
      },
      extra,
    );
  }

  /** Suspend: revoked with reason certificateHold until released. */
  async suspend(actor: Principal, ref: CertificateRef, o: { invalidityDate?: Date | string | null } = {}): Promise<CertificateRecord> {
    requireRole(actor, LIFECYCLE_ROLES, 'suspend certificates');
    const c = await this.#findChangeable(actor, ref, 'certificate.suspend');
    const invalidityDate = this.#invalidity(o.invalidityDate, c);
    if (c.status === 'revoked') return this.#refuse(actor, 'certificate.suspend', c, 'CERT_ALREADY_REVOKED', 'certificate is revoked');
    if (c.status !== 'active') return this.#refuse(actor, 'certificate.suspend', c, 'CERT_NOT_ACTIVE', `certificate is ${c.status}`);
    if (c.notAfter <= this.d.clock.now())
      return this.#refuse(actor, 'certificate.suspend', c, 'CERT_NOT_ACTIVE', 'certificate has expired');
    const at = this.d.clock.now();
    return this.#change(actor, 'certificate.suspend', c, 'active', {
      status: 'on-hold',
      revocationReason: 'certificateHold',
      revokedAt: at,
      invalidityDate,
      at,
    });
  }

  /** Release from hold: the certificate is good again and leaves the next CRL (§5.3.1 removeFromCRL semantics). */
  async release(actor: Principal, ref: CertificateRef): Promise<CertificateRecord> {
    requireRole(actor, LIFECYCLE_ROLES, 'release certificates');
    const c = await this.#findInScope(actor, ref, 'certificate.release');
    if (c.status !== 'on-hold') return this.#refuse(actor, 'certificate.release', c, 'CERT_NOT_ON_HOLD', 'certificate is not on hold');
    const at = this.d.clock.now();
    return this.#change(actor, 'certificate.release', c, 'on-hold', {
      status: 'active',
      revocationReason: null,
      revokedAt: null,
      invalidityDate: null,
      at,
    });
  }

  #invalidity(v: Date | string | null | undefined, c: CertificateRecord): Date | null {
    if (v === undefined || v === null || v === '') return null;
    const d = v instanceof Date ? v : new Date(v);
    if (!Number.isFinite(d.getTime()))
      throw new AppError('VALIDATION_FAILED', 'invalidityDate is not a date', { details: { field: 'invalidityDate' } });
    if (d > this.d.clock.now())
      throw new AppError('VALIDATION_FAILED', 'invalidityDate is in the future', { details: { field: 'invalidityDate' } });
    if (d < new Date(c.notBefore.getTime() - 86_400_000))
      throw new AppError('VALIDATION_FAILED', 'invalidityDate precedes the certificate', { details: { field: 'invalidityDate' } });
    return d;
  }

  #protected(actor: Principal, action: string, c: CertificateRecord): Promise<never> {
    return this.#refuse(
      actor,
      action,
      c,
      'CA_CERT_PROTECTED',
      'a CA, OCSP responder or TSA certificate is revoked only with "kyso ca revoke --confirm" at the server or by an admin request a second admin approves',
    );
  }

  async #refuse(
    actor: Principal,
    action: string,
    c: CertificateRecord,
    code: 'CERT_ALREADY_REVOKED' | 'CERT_NOT_ON_HOLD' | 'CERT_NOT_ACTIVE' | 'CA_CERT_PROTECTED',
    msg: string,
  ): Promise<never> {
    await this.d.audit.append({
      actor: actor.id,
      role: actor.role,
      action,
      target: `${c.caId}:${c.serial}`,
      outcome: 'failure',
      details: { certificateId: c.id, profile: c.profile, error: code },
    });
    throw new AppError(code, msg, { details: { certificateId: c.id, profile: c.profile, status: c.status } });
  }

  async #change(
    actor: Principal,
    action: string,
    c: CertificateRecord,
    expected: CertificateStatus,
    change: {
      status: 'active' | 'on-hold' | 'revoked';
      revocationReason: StoredRevocationReason | null;
      revokedAt: Date | null;
      invalidityDate: Date | null;
      at: Date;
    },
    extra: Record<string, unknown> = {},
  ): Promise<CertificateRecord> {
    const target = `${c.caId}:${c.serial}`;
    const ok = await this.d.store.certificates.changeStatus(c.id, expected, change);
    if (!ok) {
      // Lost a race with another change: report against the status that won.
      const now = await this.d.store.certificates.findById(c.id);
      const code = now?.status === 'revoked' ? 'CERT_ALREADY_REVOKED' : action === 'certificate.release' ? 'CERT_NOT_ON_HOLD' : 'CONFLICT';
      await this.d.audit.append({
        actor: actor.id,
        role: actor.role,
        action,
        target,
        outcome: 'failure',
        details: { certificateId: c.id, error: code },
      });
      throw new AppError(code, 'certificate status changed concurrently', { details: { certificateId: c.id, status: now?.status } });
    }
    await this.d.audit.append({
      actor: actor.id,
      role: actor.role,
      action,
      target,
      outcome: 'success',
      details: {
        certificateId: c.id,
        from: expected,
        to: change.status,
        reason: change.revocationReason,
        invalidityDate: change.invalidityDate?.toISOString() ?? null,
        ...extra,
      },
    });
    this.d.onStatusChange?.(c.caId, c.serial);
    return (await this.d.store.certificates.findById(c.id)) as CertificateRecord;
  }
}
