import type { Selectable } from 'kysely';
import type {
  ClaimResult,
  IdempotencyKeyRepository,
  IdempotencyRecord,
  IdempotencyState,
  NewClaim,
  Outcome,
} from '../ports/idempotency-keys.js';
import type { IdempotencyKeysTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { date, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';

/**
 * Idempotency keys on SQLite and PostgreSQL. `claim` inserts with ON CONFLICT DO NOTHING on the
 * (caller, key) primary key, so of several instances racing with one key exactly one inserts;
 * a take-over of an expired or lapsed row is a conditional UPDATE whose condition PostgreSQL
 * re-checks on the locked row (and SQLite runs writes one at a time), so it too has one winner.
 */
export class KyselyIdempotencyKeyRepository implements IdempotencyKeyRepository {
  constructor(private readonly ctx: DbContext) {}

  async claim(c: NewClaim): Promise<ClaimResult> {
    // Read first: a retry of a live key (the common case for a replay) is answered without a
    // write. Only an absent, expired or lapsed key goes on to the insert-first race below.
    const seen = await this.get(c.caller, c.key);
    if (seen && seen.expiresAt > c.now && !(seen.state === 'pending' && seen.lockedUntil <= c.now && seen.fingerprint === c.fingerprint))
      return { claimed: false, existing: seen };
    const now = iso(c.now);
    const fresh = {
      fingerprint: c.fingerprint,
      method: c.method,
      path: c.path,
      state: 'pending',
      claim_id: c.claimId,
      status: null,
      headers: null,
      body: null,
      resource_id: null,
      resource_location: null,
      created_at: now,
      locked_until: iso(c.lockedUntil),
      expires_at: iso(c.expiresAt),
    };
    const inserted = await storeCall(
      this.ctx.db
        .insertInto('idempotency_keys')
        .values({ caller: c.caller, key: c.key, ...fresh })
        .onConflict((oc) => oc.columns(['caller', 'key']).doNothing())
        .executeTakeFirst(),
    );
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { claimed: true };
    const taken = await storeCall(
      this.ctx.db
        .updateTable('idempotency_keys')
        .set(fresh)
        .where('caller', '=', c.caller)
        .where('key', '=', c.key)
        .where((eb) =>
          eb.or([
            eb('expires_at', '<=', now),
            eb.and([eb('state', '=', 'pending'), eb('locked_until', '<=', now), eb('fingerprint', '=', c.fingerprint)]),
          ]),
        )
        .executeTakeFirst(),
    );
    if (Number(taken.numUpdatedRows) === 1) return { claimed: true };
    const existing = await this.get(c.caller, c.key);
    // Deleted between the two statements (a release): try once more from the start.
    if (!existing) return this.claim(c);
    return { claimed: false, existing };
  }

  async complete(caller: string, key: string, claimId: string, o: Outcome): Promise<boolean> {
    const values =
      o.state === 'done'
        ? { state: 'done', status: o.response.status, headers: JSON.stringify(o.response.headers), body: o.response.body }
        : { state: 'secret', status: o.status, resource_id: o.resourceId, resource_location: o.resourceLocation };
    const r = await storeCall(
      this.ctx.db
        .updateTable('idempotency_keys')
        .set(values)
        .where('caller', '=', caller)
        .where('key', '=', key)
        .where('claim_id', '=', claimId)
        .where('state', '=', 'pending')
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) === 1;
  }

  async release(caller: string, key: string, claimId: string): Promise<void> {
    await storeCall(
      this.ctx.db
        .deleteFrom('idempotency_keys')
        .where('caller', '=', caller)
        .where('key', '=', key)
        .where('claim_id', '=', claimId)
        .where('state', '=', 'pending')
        .execute(),
    );
  }

  async purgeExpired(now: Date): Promise<number> {
    const r = await storeCall(this.ctx.db.deleteFrom('idempotency_keys').where('expires_at', '<=', iso(now)).executeTakeFirst());
    return Number(r.numDeletedRows);
  }

  async get(caller: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await storeCall(
      this.ctx.db.selectFrom('idempotency_keys').selectAll().where('caller', '=', caller).where('key', '=', key).executeTakeFirst(),
    );
    return row && toRecord(row);
  }
}

function toRecord(r: Selectable<IdempotencyKeysTable>): IdempotencyRecord {
  const state = r.state as IdempotencyState;
  return {
    caller: r.caller,
    key: r.key,
    fingerprint: r.fingerprint,
    method: r.method,
    path: r.path,
    state,
    claimId: r.claim_id,
    response:
      state === 'done' && r.status !== null
        ? {
            status: Number(r.status),
            headers: JSON.parse(r.headers ?? '{}') as Record<string, string>,
            body: r.body === null ? Buffer.alloc(0) : Buffer.from(r.body),
          }
        : null,
    status: r.status === null ? null : Number(r.status),
    resourceId: r.resource_id,
    resourceLocation: r.resource_location,
    createdAt: date(r.created_at),
    lockedUntil: date(r.locked_until),
    expiresAt: date(r.expires_at),
  };
}
