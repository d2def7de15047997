import { sql, type Selectable } from 'kysely';
import type { SigningAuthorization, SigningAuthorizationRepository } from '../../signing/ports.js';
import type { SigningAuthorizationsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { date, dateOrNull, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';
import { compiledStatement } from './compiled-statement.js';

export class KyselySigningAuthorizationRepository implements SigningAuthorizationRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(a: SigningAuthorization): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('signing_authorizations')
        .values({
          id: a.id,
          credential_id: a.credentialId,
          owner_id: a.ownerId,
          max_documents: a.maxDocuments,
          used_documents: a.usedDocuments,
          created_at: iso(a.createdAt),
          expires_at: iso(a.expiresAt),
          revoked_at: a.revokedAt === null ? null : iso(a.revokedAt),
        })
        .execute(),
    );
  }

  async get(id: string): Promise<SigningAuthorization | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(BY_ID.bind(db, dialect, { id })))).rows[0];
    return row && toAuthorization(row);
  }

  /** Conditional UPDATE … RETURNING: the budget check and the decrement are one statement. */
  async take(id: string, count: number, at: Date): Promise<SigningAuthorization | undefined> {
    if (!Number.isSafeInteger(count) || count < 1) throw new TypeError('take: count must be a positive integer');
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(TAKE.bind(db, dialect, { id, count, at: iso(at) })))).rows[0];
    return row && toAuthorization(row);
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.#revokeWhere('id', id, at);
  }

  async revokeAllOf(credentialId: string, at: Date): Promise<number> {
    return this.#revokeWhere('credential_id', credentialId, at);
  }

  /** Revokes the rows not yet revoked whose `column` is `value`; returns how many. */
  async #revokeWhere(column: 'id' | 'credential_id', value: string, at: Date): Promise<number> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('signing_authorizations')
        .set({ revoked_at: iso(at) })
        .where(column, '=', value)
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows);
  }
}

function toAuthorization(r: Selectable<SigningAuthorizationsTable>): SigningAuthorization {
  return {
    id: r.id,
    credentialId: r.credential_id,
    ownerId: r.owner_id,
    maxDocuments: Number(r.max_documents),
    usedDocuments: Number(r.used_documents),
    createdAt: date(r.created_at),
    expiresAt: date(r.expires_at),
    revokedAt: dateOrNull(r.revoked_at),
  };
}

// read and spent on every batch signed under an authorization: compiled once (./compiled-statement.ts)
const BY_ID = compiledStatement<{ id: string }, Selectable<SigningAuthorizationsTable>>(['id'], (db, _d, m) =>
  db.selectFrom('signing_authorizations').selectAll().where('id', '=', m.id),
);
const TAKE = compiledStatement<{ id: string; count: number; at: string }, Selectable<SigningAuthorizationsTable>>(
  ['id', 'count', 'at'],
  (db, _d, m) =>
    db
      .updateTable('signing_authorizations')
      .set({ used_documents: sql<number>`used_documents + ${m.count}` })
      .where('id', '=', m.id)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', m.at)
      .where(sql<boolean>`used_documents + ${m.count} <= max_documents`)
      .returningAll(),
);
