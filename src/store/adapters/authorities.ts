import type { Selectable } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { AuthorityRecord, AuthorityRepository } from '../../copies/ports.js';
import type { AuthoritiesTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { changed, date, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';
import { compiledStatement } from './compiled-statement.js';

export class KyselyAuthorityRepository implements AuthorityRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(a: Omit<AuthorityRecord, 'createdAt'> & { createdAt: Date }): Promise<AuthorityRecord> {
    const row: AuthoritiesTable = {
      id: a.id,
      name: a.name,
      place: a.place,
      organization_id: a.organizationId,
      seal_credential_id: a.sealCredentialId,
      created_at: iso(a.createdAt),
      seal_custodian_id: a.sealCustodianId,
    };
    await storeCall(this.ctx.db.insertInto('authorities').values(row).execute());
    return toAuthority(row);
  }

  async get(id: string): Promise<AuthorityRecord | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(BY_ID.bind(db, dialect, { id })))).rows[0];
    return row && toAuthority(row);
  }

  async list(): Promise<AuthorityRecord[]> {
    const rows = await storeCall(this.ctx.db.selectFrom('authorities').selectAll().orderBy('id').execute());
    return rows.map(toAuthority);
  }

  async update(
    id: string,
    patch: Partial<Pick<AuthorityRecord, 'name' | 'place' | 'organizationId' | 'sealCredentialId' | 'sealCustodianId'>>,
  ): Promise<AuthorityRecord> {
    const set: Partial<AuthoritiesTable> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.place !== undefined) set.place = patch.place;
    if (patch.organizationId !== undefined) set.organization_id = patch.organizationId;
    if (patch.sealCredentialId !== undefined) set.seal_credential_id = patch.sealCredentialId;
    if (patch.sealCustodianId !== undefined) set.seal_custodian_id = patch.sealCustodianId;
    if (Object.keys(set).length > 0) {
      const r = await storeCall(this.ctx.db.updateTable('authorities').set(set).where('id', '=', id).executeTakeFirst());
      if (changed(r) === 0) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${id}`);
    }
    const out = await this.get(id);
    if (!out) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${id}`);
    return out;
  }
}

function toAuthority(r: Selectable<AuthoritiesTable>): AuthorityRecord {
  return {
    id: r.id,
    name: r.name,
    place: r.place,
    organizationId: r.organization_id,
    sealCredentialId: r.seal_credential_id,
    sealCustodianId: r.seal_custodian_id,
    createdAt: date(r.created_at),
  };
}

// read by every certified copy: compiled once (./compiled-statement.ts)
const BY_ID = compiledStatement<{ id: string }, Selectable<AuthoritiesTable>>(['id'], (db, _d, m) =>
  db.selectFrom('authorities').selectAll().where('id', '=', m.id),
);
