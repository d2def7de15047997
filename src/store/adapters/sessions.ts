import type { Selectable } from 'kysely';
import type { OidcPending, OidcPendingRepository, SessionRecord, SessionRepository } from '../../accounts/ports.js';
import type { SessionsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { changed, date, dateOrNull, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

/** Server sessions by the SHA-256 of their id (migration 0013). */
export class KyselySessionRepository implements SessionRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(s: SessionRecord): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('sessions')
        .values({
          id_hash: s.idHash,
          account_id: s.accountId,
          created_at: iso(s.createdAt),
          last_seen_at: iso(s.lastSeenAt),
          expires_at: iso(s.expiresAt),
          idle_timeout_seconds: s.idleTimeoutSeconds,
          revoked_at: s.revokedAt === null ? null : iso(s.revokedAt),
          credentials_epoch: s.credentialsEpoch,
        })
        .execute(),
    );
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const r = await storeCall(this.ctx.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst());
    return r && toRecord(r);
  }

  async touch(idHash: string, at: Date): Promise<void> {
    await storeCall(
      this.ctx.db
        .updateTable('sessions')
        .set({ last_seen_at: iso(at) })
        .where('id_hash', '=', idHash)
        .execute(),
    );
  }

  async revoke(idHash: string, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('sessions')
        .set({ revoked_at: iso(at) })
        .where('id_hash', '=', idHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async revokeAllOf(accountId: string, at: Date): Promise<number> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('sessions')
        .set({ revoked_at: iso(at) })
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    );
    return changed(r);
  }

  async deleteEnded(at: Date): Promise<number> {
    const r = await storeCall(
      this.ctx.db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('revoked_at', 'is not', null), eb('expires_at', '<=', iso(at))]))
        .executeTakeFirst(),
    );
    return changed(r);
  }
}

/** Pending OpenID Connect sign-ins; taken (deleted) once. */
export class KyselyOidcPendingRepository implements OidcPendingRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(p: OidcPending): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('oidc_pending')
        .values({
          id_hash: p.idHash,
          state: p.state,
          nonce: p.nonce,
          code_verifier: p.codeVerifier,
          return_to: p.returnTo,
          expires_at: iso(p.expiresAt),
        })
        .execute(),
    );
  }

  async deleteExpired(at: Date): Promise<number> {
    const r = await storeCall(this.ctx.db.deleteFrom('oidc_pending').where('expires_at', '<=', iso(at)).executeTakeFirst());
    return changed(r);
  }

  async take(idHash: string): Promise<OidcPending | undefined> {
    const r = await storeCall(this.ctx.db.deleteFrom('oidc_pending').where('id_hash', '=', idHash).returningAll().executeTakeFirst());
    if (!r) return undefined;
    return {
      idHash: r.id_hash,
      state: r.state,
      nonce: r.nonce,
      codeVerifier: r.code_verifier,
      returnTo: r.return_to,
      expiresAt: date(r.expires_at),
    };
  }
}

function toRecord(r: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: r.id_hash,
    accountId: r.account_id,
    createdAt: date(r.created_at),
    lastSeenAt: date(r.last_seen_at),
    expiresAt: date(r.expires_at),
    idleTimeoutSeconds: Number(r.idle_timeout_seconds),
    revokedAt: dateOrNull(r.revoked_at),
    credentialsEpoch: Number(r.credentials_epoch),
  };
}
