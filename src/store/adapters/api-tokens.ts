import type { Selectable } from 'kysely';
import type { ApiRole, ApiTokenRecord, ApiTokenRepository, NewApiToken } from '../ports/api-tokens.js';
import { API_ROLES } from '../ports/api-tokens.js';
import type { ApiTokensTable } from '../schema.js';
import { storeCall } from '../errors.js';
import type { DbContext } from './tx-runner.js';
import { compiledStatement } from './compiled-statement.js';

export class KyselyApiTokenRepository implements ApiTokenRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(t: NewApiToken): Promise<ApiTokenRecord> {
    if (!API_ROLES.includes(t.role)) throw new TypeError(`api token: unknown role ${String(t.role)}`);
    if (!/^[0-9a-f]{64}$/.test(t.tokenHash)) throw new TypeError('api token: tokenHash must be lowercase hex SHA-256');
    const row: ApiTokensTable = {
      id: t.id,
      token_hash: t.tokenHash,
      role: t.role,
      organization_id: t.organizationId ?? null,
      authority_id: t.authorityId ?? null,
      official_id: t.officialId ?? null,
      label: t.label ?? null,
      created_at: t.createdAt.toISOString(),
      revoked_at: null,
      last_used_at: null,
      account_id: t.accountId ?? null,
    };
    await storeCall(this.ctx.db.insertInto('api_tokens').values(row).execute());
    return toRecord(row);
  }

  async findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(BY_HASH.bind(db, dialect, { tokenHash })))).rows[0];
    return row && toRecord(row);
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toRecord(row);
  }

  async list(): Promise<ApiTokenRecord[]> {
    const rows = await storeCall(this.ctx.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id').execute());
    return rows.map(toRecord);
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('api_tokens')
        .set({ revoked_at: at.toISOString() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    try {
      await this.ctx.db.updateTable('api_tokens').set({ last_used_at: at.toISOString() }).where('id', '=', id).execute();
    } catch {
      // bookkeeping only
    }
  }
}

function toRecord(r: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    role: r.role as ApiRole,
    organizationId: r.organization_id,
    authorityId: r.authority_id,
    officialId: r.official_id,
    label: r.label,
    createdAt: new Date(r.created_at),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
    lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at),
    ...(r.account_id ? { accountId: r.account_id } : {}),
  };
}

// read on every authenticated request: compiled once (./compiled-statement.ts)
const BY_HASH = compiledStatement<{ tokenHash: string }, Selectable<ApiTokensTable>>(['tokenHash'], (db, _d, m) =>
  db.selectFrom('api_tokens').selectAll().where('token_hash', '=', m.tokenHash),
);
