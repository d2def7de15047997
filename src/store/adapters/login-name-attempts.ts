import { sql } from 'kysely';
import type { LoginNameCounter } from '../../accounts/ports.js';
import { storeCall } from '../errors.js';
import { changed, dateOrNull, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

/**
 * Failed sign-ins per username with no password to check (migration 0018). The same conditional
 * statements and window as the per-IP counter (accounts.ts): SQLite runs one writer at a
 * time, and PostgreSQL's ON CONFLICT DO UPDATE locks the row and evaluates its WHERE against the
 * latest committed version, so of N concurrent attempts at most `limit` are counted.
 */
export class KyselyLoginNameCounter implements LoginNameCounter {
  constructor(private readonly ctx: DbContext) {}

  async reserve(username: string, limit: number, windowSeconds: number, at: Date): Promise<boolean> {
    const now = iso(at);
    const cutoff = iso(new Date(at.getTime() - windowSeconds * 1000));
    const t = sql.table('login_name_attempts');
    const fresh = sql<boolean>`((${t}.locked_until is not null and ${t}.locked_until <= ${now}) or (${t}.locked_until is null and ${t}.window_started_at <= ${cutoff}))`;
    const r = await storeCall(
      this.ctx.db
        .insertInto('login_name_attempts')
        .values({ username, failed_attempts: 1, window_started_at: now, locked_until: null })
        .onConflict((oc) =>
          oc
            .column('username')
            .doUpdateSet({
              failed_attempts: sql<number>`case when ${fresh} then 1 else ${t}.failed_attempts + 1 end`,
              window_started_at: sql<string>`case when ${fresh} then ${now} else ${t}.window_started_at end`,
              locked_until: sql<string | null>`case when ${fresh} then null else ${t}.locked_until end`,
            })
            .where(sql<boolean>`(${fresh} or (${t}.locked_until is null and ${t}.failed_attempts < ${limit}))`),
        )
        .executeTakeFirst(),
    );
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async lockWhenExhausted(username: string, limit: number, until: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('login_name_attempts')
        .set({ locked_until: iso(until) })
        .where('username', '=', username)
        .where('failed_attempts', '>=', limit)
        .where('locked_until', 'is', null)
        .executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async lockedUntil(username: string): Promise<Date | null> {
    const r = await storeCall(
      this.ctx.db.selectFrom('login_name_attempts').select('locked_until').where('username', '=', username).executeTakeFirst(),
    );
    return dateOrNull(r?.locked_until ?? null);
  }

  async deleteForgotten(windowSeconds: number, at: Date): Promise<number> {
    const now = iso(at);
    const cutoff = iso(new Date(at.getTime() - windowSeconds * 1000));
    const r = await storeCall(
      this.ctx.db
        .deleteFrom('login_name_attempts')
        .where((eb) =>
          eb.or([
            eb.and([eb('locked_until', 'is not', null), eb('locked_until', '<=', now)]),
            eb.and([eb('locked_until', 'is', null), eb('window_started_at', '<=', cutoff)]),
          ]),
        )
        .executeTakeFirst(),
    );
    return changed(r);
  }
}
