import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
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
import type { Actor } from './copy-service.js';

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
}

const MANAGERS = new Set(['admin', 'certifier']);

export class RegisterService {
  readonly #o: RegisterServiceOptions;
  constructor(options: RegisterServiceOptions) {
    this.#o = options;
  }

  async createAuthority(
    actor: Actor,
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
    if (await this.#o.authorities.get(a.id)) throw new AppError('CONFLICT', `authority ${a.id} exists`);
    const rec = await this.#o.authorities.create({
      id: a.id,
      name: a.name.trim(),
      place: a.place.trim(),
      organizationId: a.organizationId ?? null,
      sealCredentialId: a.sealCredentialId ?? null,
      sealCustodianId: a.sealCustodianId ?? null,
      createdAt: this.#o.clock.now(),
    });
    await this.#audit(actor, 'authority.created', a.id, { name: rec.name });
    return rec;
  }

  async updateAuthority(
    actor: Actor,
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
    await this.#authority(id);
    const rec = await this.#o.authorities.update(id, patch);
    await this.#audit(actor, 'authority.updated', id, { fields: Object.keys(patch) });
    return rec;
  }

  listAuthorities(): Promise<AuthorityRecord[]> {
    return this.#o.authorities.list();
  }

  async openVolume(actor: Actor, authorityId: string, year: number): Promise<VolumeRecord> {
    this.#manager(actor);
    await this.#authority(authorityId);
    const v = await this.#o.registers.openVolume(authorityId, year, actor.id, this.#o.clock.now());
    await this.#audit(actor, 'register.volume-opened', authorityId, { year, volume: v.volume });
    return v;
  }

  async listVolumes(authorityId: string, year: number): Promise<VolumeRecord[]> {
    await this.#authority(authorityId);
    return this.#o.registers.listVolumes(authorityId, year);
  }

  async closeYear(actor: Actor, authorityId: string, year: number): Promise<YearClosingRecord> {
    this.#manager(actor);
    await this.#authority(authorityId);
    const c = await this.#o.registers.closeYear(authorityId, year, actor.id, this.#o.clock.now());
    await this.#audit(actor, 'register.year-closed', authorityId, { year, total: c.total });
    return c;
  }

  async list(actor: Actor, filter: EntryFilter): Promise<RegisterEntryRecord[]> {
    if (!['admin', 'certifier', 'auditor'].includes(actor.role))
      throw new AppError('FORBIDDEN', 'register listing is for certifiers and auditors');
    return this.#o.registers.list(filter);
  }

  async get(actor: Actor, id: string): Promise<RegisterEntryRecord> {
    if (!['admin', 'certifier', 'auditor'].includes(actor.role))
      throw new AppError('FORBIDDEN', 'register entries are for certifiers and auditors');
    const e = await this.#o.registers.get(id);
    if (!e) throw new AppError('COPY_NOT_FOUND', `no register entry ${id}`);
    return e;
  }

  async exportCsv(actor: Actor, authorityId: string, year: number): Promise<string> {
    const entries = await this.#allEntries(actor, authorityId, year);
    await this.#audit(actor, 'register.exported', authorityId, { year, format: 'csv', entries: entries.length });
    return registerCsv(entries);
  }

  /** The register as a PDF signed with the authority's seal credential. */
  async exportSignedPdf(
    actor: Actor,
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
      actorId: actor.id,
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

  async #allEntries(actor: Actor, authorityId: string, year: number): Promise<RegisterEntryRecord[]> {
    if (!['admin', 'certifier', 'auditor'].includes(actor.role))
      throw new AppError('FORBIDDEN', 'register export is for certifiers and auditors');
    await this.#authority(authorityId);
    const out: RegisterEntryRecord[] = [];
    const page = 1000;
    for (let offset = 0; ; offset += page) {
      const batch = await this.#o.registers.list({ authorityId, year, limit: page, offset });
      out.push(...batch);
      if (batch.length < page) break;
    }
    return out.sort((a, b) => a.number - b.number);
  }

  #manager(actor: Actor): void {
    if (!MANAGERS.has(actor.role)) throw new AppError('FORBIDDEN', 'register management is for certifiers and admins');
  }

  async #authority(id: string): Promise<AuthorityRecord> {
    const a = await this.#o.authorities.get(id);
    if (!a) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${id}`);
    return a;
  }

  async #audit(actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    await this.#o.audit.append({ actor: actor.id, role: actor.role, action, target, outcome: 'success', details });
  }
}
