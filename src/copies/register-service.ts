import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { safeText } from '../core/safe-text.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CopyFonts } from './copy-document.js';
import type { CopySigner } from './copy-signer.js';
import type {
  AuthorityRecord,
  AuthorityRepository,
  EntryFilter,
  RegisterEntryRecord,
  RegisterRepository,
  VolumeRecord,
  YearClosingRecord,
} from './ports.js';
import { registerCsv, registerPdf } from './register-export.js';
import { credentialOwnerOf, requireAuthorityScope, requireRole, type Principal } from '../core/principal.js';

/**
 * Register management (Decree 23/2015 Art. 13): authorities, volumes, year-end closing with the
 * total, listing and export. Entries are never deleted: there is deliberately no delete here and
 * the HTTP layer answers DELETE with DELETE_FORBIDDEN.
 */
export interface RegisterServiceOptions {
  readonly registers: RegisterRepository;
  readonly authorities: AuthorityRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly fonts: CopyFonts;
  readonly signer: CopySigner;
  /**
   * An authority stopped naming `custodianId` as its seal custodian (another one named, or the
   * authority moved to another organization): what they opened with the seal credential ends.
   */
  readonly sealCustodianReplaced?: (custodianId: string, actor: Principal) => Promise<void>;
}

const MANAGERS = new Set(['admin', 'certifier']);

export class RegisterService {
  readonly #o: RegisterServiceOptions;
  constructor(options: RegisterServiceOptions) {
    this.#o = options;
  }

  async createAuthority(
    actor: Principal,
    a: {
      id: string;
      name: string;
      place: string;
      organizationId?: string | null;
      sealCredentialId?: string | null;
      sealCustodianId?: string | null;
    },
  ): Promise<AuthorityRecord> {
    if (actor.role !== 'admin') throw new AppError('FORBIDDEN', 'only an admin registers certifying authorities');
    if (!/^[a-z0-9][a-z0-9-]{1,63}$/.test(a.id))
      throw new AppError('VALIDATION_FAILED', 'authority id: 2-64 lowercase letters, digits or dashes', { details: { field: 'id' } });
    if (!a.name?.trim() || !a.place?.trim()) throw new AppError('VALIDATION_FAILED', 'authority name and place are required');
    const name = safeText(a.name.trim(), 'name');
    const place = safeText(a.place.trim(), 'place');
    if (await this.#o.authorities.get(a.id)) throw new AppError('CONFLICT', `authority ${a.id} exists`);
    const rec = await this.#o.authorities.create({
      id: a.id,
      name,
      place,
      organizationId: a.organizationId ?? null,
      sealCredentialId: a.sealCredentialId ?? null,
      sealCustodianId: a.sealCustodianId ?? null,
      createdAt: this.#o.clock.now(),
    });
    await this.#audit(actor, 'authority.created', a.id, { name: rec.name });
    return rec;
  }

  async updateAuthority(
    actor: Principal,
    id: string,
    patch: {
      name?: string;
      place?: string;
      organizationId?: string | null;
      sealCredentialId?: string | null;
      sealCustodianId?: string | null;
    },
  ): Promise<AuthorityRecord> {
    if (actor.role !== 'admin') throw new AppError('FORBIDDEN', 'only an admin changes certifying authorities');
    const before = await this.#authority(id);
    const rec = await this.#o.authorities.update(id, {
      ...patch,
      ...(patch.name !== undefined ? { name: safeText(patch.name.trim(), 'name') } : {}),
      ...(patch.place !== undefined ? { place: safeText(patch.place.trim(), 'place') } : {}),
    });
    await this.#audit(actor, 'authority.updated', id, {
      fields: Object.keys(patch),
      // who keeps the seal decides who signs with it (../signing/certificate-holders.ts): on the record
      ...(rec.sealCustodianId !== before.sealCustodianId
        ? { sealCustodian: { from: before.sealCustodianId, to: rec.sealCustodianId } }
        : {}),
    });
    const former = before.sealCustodianId;
    if (former && (rec.sealCustodianId !== former || rec.organizationId !== before.organizationId))
      await this.#o.sealCustodianReplaced?.(former, actor);
    return rec;
  }

  listAuthorities(): Promise<AuthorityRecord[]> {
    return this.#o.authorities.list();
  }

  async openVolume(actor: Principal, authorityId: string, year: number): Promise<VolumeRecord> {
    this.#manager(actor);
    await this.#scoped(actor, authorityId, 'open a volume');
    const v = await this.#o.registers.openVolume(authorityId, year, credentialOwnerOf(actor), this.#o.clock.now());
    await this.#audit(actor, 'register.volume-opened', authorityId, { year, volume: v.volume });
    return v;
  }

  async listVolumes(actor: Principal, authorityId: string, year: number): Promise<VolumeRecord[]> {
    await this.#scoped(actor, authorityId, 'list volumes');
    return this.#o.registers.listVolumes(authorityId, year);
  }

  /** An admin, or a certifier of this very authority (Decree 23/2015 Art. 13: the register is the authority's own). */
  async closeYear(actor: Principal, authorityId: string, year: number): Promise<YearClosingRecord> {
    this.#manager(actor);
    await this.#scoped(actor, authorityId, 'close the year');
    const c = await this.#o.registers.closeYear(authorityId, year, credentialOwnerOf(actor), this.#o.clock.now());
    await this.#audit(actor, 'register.year-closed', authorityId, { year, total: c.total });
    return c;
  }

  /**
   * Undoes a year closed by mistake: admin only and with a reason, because a closed register is
   * the authority's certified total for the year; numbering then continues where it stopped.
   */
  async reopenYear(actor: Principal, authorityId: string, year: number, reason: string): Promise<{ authorityId: string; year: number }> {
    requireRole(actor, ['admin', 'system'], 'reopen a closed register year');
    if (!reason?.trim())
      throw new AppError('VALIDATION_FAILED', 'reopening a register year needs a reason', { details: { field: 'reason' } });
    await this.#authority(authorityId);
    const closing = await this.#o.registers.getYearClosing(authorityId, year);
    if (!closing) throw new AppError('CONFLICT', `the ${year} register of ${authorityId} is not closed`);
    await this.#o.registers.reopenYear(authorityId, year);
    await this.#audit(actor, 'register.year-reopened', authorityId, {
      year,
      reason: reason.trim(),
      closedBy: closing.closedBy,
      total: closing.total,
    });
    return { authorityId, year };
  }

  async list(actor: Principal, filter: EntryFilter): Promise<RegisterEntryRecord[]> {
    if (!['admin', 'certifier', 'auditor'].includes(actor.role))
      throw new AppError('FORBIDDEN', 'register listing is for certifiers and auditors');
    // A certifier sees its own register unless it names another (refused); a scoped auditor names one.
    const authorityId = filter.authorityId ?? (actor.role === 'certifier' ? actor.authorityId : undefined);
    if (authorityId !== undefined) await this.#scoped(actor, authorityId, 'list register entries');
    else if (actor.role !== 'admin' && actor.role !== 'system')
      throw new AppError('VALIDATION_FAILED', 'name the authority whose register to list', { details: { field: 'authority' } });
    return this.#o.registers.list({ ...filter, ...(authorityId !== undefined ? { authorityId } : {}) });
  }

  async get(actor: Principal, id: string): Promise<RegisterEntryRecord> {
    if (!['admin', 'certifier', 'auditor'].includes(actor.role))
      throw new AppError('FORBIDDEN', 'register entries are for certifiers and auditors');
    const e = await this.#o.registers.get(id);
    if (!e) throw new AppError('COPY_NOT_FOUND', `no register entry ${id}`);
    await this.#scoped(actor, e.authorityId, 'read a register entry');
    return e;
  }

  async exportCsv(actor: Principal, authorityId: string, year: number): Promise<string> {
    const entries = await this.#allEntries(actor, authorityId, year);
    await this.#audit(actor, 'register.exported', authorityId, { year, format: 'csv', entries: entries.length });
    return registerCsv(entries);
  }

  /** The register as a PDF signed with the authority's seal credential. */
  async exportSignedPdf(
    actor: Principal,
    authorityId: string,
    year: number,
    seal: { credentialId?: string; pin?: string; authorizationId?: string },
  ): Promise<Buffer> {
    const authority = await this.#authority(authorityId);
    const entries = await this.#allEntries(actor, authorityId, year);
    const closing = await this.#o.registers.getYearClosing(authorityId, year);
    const pdf = await registerPdf(
      { authorityName: authority.name, year, entries, generatedAt: this.#o.clock.now(), total: closing?.total ?? null },
      this.#o.fonts,
    );
    const credentialId = seal.credentialId ?? authority.sealCredentialId;
    if (!credentialId) throw new AppError('VALIDATION_FAILED', 'the authority has no seal credential');
    const signed = await this.#o.signer.sign({
      pdf,
      field: 'SoChungThuc_CoQuan',
      credentialId,
      ...(seal.pin !== undefined ? { pin: seal.pin } : {}),
      ...(seal.authorizationId !== undefined ? { authorizationId: seal.authorizationId } : {}),
      actorId: credentialOwnerOf(actor),
      appearance: 'organization',
      displayName: authority.name,
      certify: 1,
      reason: `Xuất sổ chứng thực năm ${year}`,
      location: authority.place,
      level: 'B-B',
    });
    await this.#audit(actor, 'register.exported', authorityId, { year, format: 'pdf', entries: entries.length });
    return signed;
  }

  async #allEntries(actor: Principal, authorityId: string, year: number): Promise<RegisterEntryRecord[]> {
    if (!['admin', 'certifier', 'auditor'].includes(actor.role))
      throw new AppError('FORBIDDEN', 'register export is for certifiers and auditors');
    await this.#scoped(actor, authorityId, 'export the register');
    const out: RegisterEntryRecord[] = [];
    const page = 1000;
    for (let offset = 0; ; offset += page) {
      const batch = await this.#o.registers.list({ authorityId, year, limit: page, offset });
      out.push(...batch);
      if (batch.length < page) break;
    }
    return out.sort((a, b) => a.number - b.number);
  }

  #manager(actor: Principal): void {
    if (!MANAGERS.has(actor.role)) throw new AppError('FORBIDDEN', 'register management is for certifiers and admins');
  }

  /** The authority, when `actor` may work in its register (FORBIDDEN_SCOPE otherwise). */
  async #scoped(actor: Principal, id: string, what: string): Promise<AuthorityRecord> {
    const a = await this.#authority(id);
    requireAuthorityScope(actor, a, `${what} in the register of ${id}`);
    return a;
  }

  async #authority(id: string): Promise<AuthorityRecord> {
    const a = await this.#o.authorities.get(id);
    if (!a) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${id}`);
    return a;
  }

  async #audit(actor: Principal, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    await this.#o.audit.append({ actor: actor.id, role: actor.role, action, target, outcome: 'success', details });
  }
}
