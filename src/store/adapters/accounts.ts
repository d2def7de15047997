import { sql, type Selectable } from 'kysely';
import type { AccountChange, AccountRecord, AccountRepository } from '../../accounts/ports.js';
import type { ApiRole } from '../../core/principal.js';
import type { AccountsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { changed, date, dateOrNull, iso } from './row-helpers.js';
import { countStartsOver } from './attempt-counters.js';
import type { DbContext } from './tx-runner.js';

/** Accounts (migration 0013). Counters are single conditional UPDATEs, as for credential PINs. */
export class KyselyAccountRepository implements AccountRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(a: AccountRecord): Promise<void> {
    await storeCall(this.ctx.db.insertInto('accounts').values(toRow(a)).execute());
  }

  async get(id: string): Promise<AccountRecord | undefined> {
    const r = await storeCall(this.ctx.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst());
    return r && toRecord(r);
  }

  async byUsername(username: string): Promise<AccountRecord | undefined> {
    const r = await storeCall(this.ctx.db.selectFrom('accounts').selectAll().where('username', '=', username).executeTakeFirst());
    return r && toRecord(r);
  }

  async byOidcIdentity(issuer: string, subject: string): Promise<AccountRecord | undefined> {
    const r = await storeCall(
      this.ctx.db
        .selectFrom('accounts')
        .selectAll()
        .where('oidc_issuer', '=', issuer)
        .where('oidc_subject', '=', subject)
        .executeTakeFirst(),
    );
    return r && toRecord(r);
  }

  async list(): Promise<AccountRecord[]> {
    const rows = await storeCall(this.ctx.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute());
    return rows.map(toRecord);
  }

  async update(id: string, c: AccountChange, at: Date): Promise<void> {
    const set: Partial<AccountsTable> = { updated_at: iso(at) };
    if (c.displayName !== undefined) set.display_name = c.displayName;
    if (c.role !== undefined) set.role = c.role;
    if (c.organizationId !== undefined) set.organization_id = c.organizationId;
    if (c.authorityId !== undefined) set.authority_id = c.authorityId;
    if (c.officialId !== undefined) set.official_id = c.officialId;
    if (c.passwordHash !== undefined) set.password_hash = c.passwordHash;
    if (c.totpSecret !== undefined) set.totp_secret = c.totpSecret;
    if (c.totpLastStep !== undefined) set.totp_last_step = c.totpLastStep;
    if (c.disabledAt !== undefined) set.disabled_at = c.disabledAt === null ? null : iso(c.disabledAt);
    // In the same UPDATE as the credential itself: a sign-in that read the row before it holds the
    // old epoch, one that reads after it sees the new credentials (ports.ts, migration 0017).
    const credentials = c.passwordHash !== undefined || c.totpSecret !== undefined || c.disabledAt !== undefined;
    const epoch = credentials ? { credentials_epoch: sql<number>`credentials_epoch + 1` } : {};
    await storeCall(
      this.ctx.db
        .updateTable('accounts')
        .set({ ...set, ...epoch })
        .where('id', '=', id)
        .execute(),
    );
  }

  async acceptTotpStep(id: string, step: number, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('accounts')
        .set({ totp_last_step: step, updated_at: iso(at) })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  /**
   * One UPDATE: both engines evaluate the WHERE against the latest committed row under the row
   * lock, so of N concurrent attempts only `limit` find `failed_attempts < limit`. A lock that
   * has run out, or an unlocked count whose window began more than `windowSeconds` ago, starts a
   * fresh count.
   */
  async reserveAttempt(id: string, limit: number, windowSeconds: number, at: Date): Promise<boolean> {
    const now = iso(at);
    const cutoff = iso(new Date(at.getTime() - windowSeconds * 1000));
    const fresh = countStartsOver('accounts', 'failures_window_started_at', now, cutoff);
    const r = await storeCall(
      this.ctx.db
        .updateTable('accounts')
        .set({
          failed_attempts: sql<number>`case when ${fresh} then 1 else failed_attempts + 1 end`,
          failures_window_started_at: sql<string>`case when ${fresh} then ${now} else failures_window_started_at end`,
          locked_until: sql<string | null>`case when ${fresh} then null else locked_until end`,
        })
        .where('id', '=', id)
        .where(sql<boolean>`(${fresh} or (locked_until is null and failed_attempts < ${limit}))`)
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async lockWhenExhausted(id: string, limit: number, until: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('accounts')
        .set({ locked_until: iso(until) })
        .where('id', '=', id)
        .where('failed_attempts', '>=', limit)
        .where('locked_until', 'is', null)
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async resetAttempts(id: string): Promise<void> {
    await storeCall(this.ctx.db.updateTable('accounts').set({ failed_attempts: 0, locked_until: null }).where('id', '=', id).execute());
  }
}

function toRow(a: AccountRecord): AccountsTable {
  return {
    id: a.id,
    username: a.username,
    display_name: a.displayName,
    role: a.role,
    organization_id: a.organizationId,
    authority_id: a.authorityId,
    official_id: a.officialId,
    password_hash: a.passwordHash,
    totp_secret: a.totpSecret,
    totp_last_step: a.totpLastStep,
    oidc_issuer: a.oidcIssuer,
    oidc_subject: a.oidcSubject,
    failed_attempts: a.failedAttempts,
    locked_until: a.lockedUntil === null ? null : iso(a.lockedUntil),
    disabled_at: a.disabledAt === null ? null : iso(a.disabledAt),
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
    credentials_epoch: a.credentialsEpoch,
    failures_window_started_at: null,
  };
}

function toRecord(r: Selectable<AccountsTable>): AccountRecord {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role as ApiRole,
    organizationId: r.organization_id,
    authorityId: r.authority_id,
    officialId: r.official_id,
    passwordHash: r.password_hash,
    totpSecret: r.totp_secret,
    totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
    oidcIssuer: r.oidc_issuer,
    oidcSubject: r.oidc_subject,
    failedAttempts: Number(r.failed_attempts),
    lockedUntil: dateOrNull(r.locked_until),
    disabledAt: dateOrNull(r.disabled_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    credentialsEpoch: Number(r.credentials_epoch),
  };
}
