import { sql, type RawBuilder } from 'kysely';
import type { LoginIpCounter, LoginNameCounter } from '../../accounts/ports.js';
import { storeCall } from '../errors.js';
import { dateOrNull, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

/**
 * When a count of failed sign-ins starts over at 1: its lock has run out, or it is unlocked and
 * its window began at or before `cutoff` (now − window), or never began. One rule for the
 * account, per-IP and per-username counters (`table`: the row's table, for qualified columns
 * inside an upsert; `windowColumn`: when the count began).
 */
export function countStartsOver(table: string, windowColumn: string, now: string, cutoff: string): RawBuilder<boolean> {
  const lockedUntil = sql.ref(`${table}.locked_until`);
  const window = sql.ref(`${table}.${windowColumn}`);
  return sql<boolean>`((${lockedUntil} is not null and ${lockedUntil} <= ${now}) or (${lockedUntil} is null and (${window} is null or ${window} <= ${cutoff})))`;
}

/** The tables of per-key sign-in failure counts, and the column each is keyed by (migrations 0013, 0018). */
const TABLES = { login_ip_attempts: 'ip', login_name_attempts: 'username' } as const;
type CounterTable = keyof typeof TABLES;

/**
 * Failed sign-ins per key (client IP, or a username with no password to check), counted within
 * a window. Each attempt is one conditional upsert: SQLite runs one writer at a time, and
 * PostgreSQL's ON CONFLICT DO UPDATE locks the row and evaluates its WHERE against the latest
 * committed version, so of N concurrent attempts at most `limit` are counted. A lock that has
 * run out, or an unlocked count whose window began more than `windowSeconds` ago, starts a new
 * count.
 */
class WindowedAttemptCounter {
  readonly #table;
  readonly #key;

  readonly #name;

  constructor(
    private readonly ctx: DbContext,
    table: CounterTable,
  ) {
    this.#name = table;
    this.#table = sql.table(table);
    this.#key = sql.ref(TABLES[table]);
  }

  async reserve(key: string, limit: number, windowSeconds: number, at: Date): Promise<boolean> {
    const t = this.#table;
    const now = iso(at);
    const cutoff = iso(new Date(at.getTime() - windowSeconds * 1000));
    const fresh = countStartsOver(this.#name, 'window_started_at', now, cutoff);
    const r = await storeCall(
      sql`insert into ${t} (${this.#key}, failed_attempts, window_started_at, locked_until) values (${key}, 1, ${now}, null)
        on conflict (${this.#key}) do update set
          failed_attempts = case when ${fresh} then 1 else ${t}.failed_attempts + 1 end,
          window_started_at = case when ${fresh} then ${now} else ${t}.window_started_at end,
          locked_until = case when ${fresh} then null else ${t}.locked_until end
        where ${fresh} or (${t}.locked_until is null and ${t}.failed_attempts < ${limit})`.execute(this.ctx.db),
    );
    return Number(r.numAffectedRows ?? 0n) > 0;
  }

  async lockWhenExhausted(key: string, limit: number, until: Date): Promise<boolean> {
    const r = await storeCall(
      sql`update ${this.#table} set locked_until = ${iso(until)}
        where ${this.#key} = ${key} and failed_attempts >= ${limit} and locked_until is null`.execute(this.ctx.db),
    );
    return Number(r.numAffectedRows ?? 0n) > 0;
  }

  async release(key: string): Promise<void> {
    await storeCall(
      sql`update ${this.#table} set failed_attempts = case when failed_attempts > 0 then failed_attempts - 1 else 0 end
        where ${this.#key} = ${key} and locked_until is null`.execute(this.ctx.db),
    );
  }

  async lockedUntil(key: string): Promise<Date | null> {
    const r = await storeCall(
      sql<{ locked_until: string | null }>`select locked_until from ${this.#table} where ${this.#key} = ${key}`.execute(this.ctx.db),
    );
    return dateOrNull(r.rows[0]?.locked_until ?? null);
  }

  async deleteForgotten(windowSeconds: number, at: Date): Promise<number> {
    const now = iso(at);
    const cutoff = iso(new Date(at.getTime() - windowSeconds * 1000));
    const r = await storeCall(
      sql`delete from ${this.#table}
        where (locked_until is not null and locked_until <= ${now}) or (locked_until is null and window_started_at <= ${cutoff})`.execute(
        this.ctx.db,
      ),
    );
    return Number(r.numAffectedRows ?? 0n);
  }
}

/** Failed sign-ins per client IP (one NAT, many guesses): the per-IP limit. */
export class KyselyLoginIpCounter extends WindowedAttemptCounter implements LoginIpCounter {
  constructor(ctx: DbContext) {
    super(ctx, 'login_ip_attempts');
  }
}

/** Failed sign-ins per username with no password to check: the account counter's twin (docs/sign-in.md). */
export class KyselyLoginNameCounter extends WindowedAttemptCounter implements LoginNameCounter {
  constructor(ctx: DbContext) {
    super(ctx, 'login_name_attempts');
  }
}
