import type { Selectable } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { AuditEvent, AuditFilter, AuditLog, AuditRecord, ChainVerification } from '../../audit/audit-log.js';
import { buildAuditRecord, ChainChecker } from '../../audit/chain.js';
import type { AuditEventsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import type { DbContext } from './tx-runner.js';

const VERIFY_BATCH = 2_000;

/**
 * AuditLog on the relational store. Appends are serialised on the single `audit_head` row:
 * PostgreSQL takes `SELECT … FOR UPDATE` on it (so two service instances queue rather than fork
 * the chain), SQLite holds the database write lock from `BEGIN IMMEDIATE`. The head row also lets
 * verifyChain notice a deleted tail. The table has append-only triggers (migration 0001).
 */
export class KyselyAuditLog implements AuditLog {
  constructor(
    private readonly ctx: DbContext,
    private readonly clock: Clock,
  ) {}

  append(event: AuditEvent): Promise<AuditRecord> {
    return storeCall(() =>
      this.ctx.atomic(async (db) => {
        let q = db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
        if (this.ctx.dialect === 'postgres') q = q.forUpdate();
        const head = await q.executeTakeFirstOrThrow();
        const record = buildAuditRecord(event, Number(head.seq) + 1, head.hash, this.clock.now());
        await db
          .insertInto('audit_events')
          .values({
            seq: record.seq,
            time: record.time,
            actor: record.actor,
            role: record.role,
            action: record.action,
            target: record.target,
            outcome: record.outcome,
            details: record.details === null ? null : JSON.stringify(record.details),
            prev_hash: record.prevHash,
            hash: record.hash,
          })
          .execute();
        await db.updateTable('audit_head').set({ seq: record.seq, hash: record.hash }).where('id', '=', 1).execute();
        return record;
      }),
    );
  }

  list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), 10_000);
    let q = this.ctx.db.selectFrom('audit_events').selectAll();
    if (filter.fromSeq !== undefined) q = q.where('seq', '>=', filter.fromSeq);
    if (filter.toSeq !== undefined) q = q.where('seq', '<=', filter.toSeq);
    if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor);
    if (filter.action !== undefined) q = q.where('action', '=', filter.action);
    if (filter.target !== undefined) q = q.where('target', '=', filter.target);
    if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
    if (filter.since !== undefined) q = q.where('time', '>=', iso(filter.since));
    if (filter.until !== undefined) q = q.where('time', '<', iso(filter.until));
    q = q.orderBy('seq', filter.order === 'desc' ? 'desc' : 'asc').limit(limit);
    return storeCall(async () => (await q.execute()).map(toRecord));
  }

  verifyChain(): Promise<ChainVerification> {
    return storeCall(async () => {
      // Read the head first: records appended while we scan are beyond it and not checked.
      const head = await this.ctx.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
      const checker = new ChainChecker();
      let after = 0;
      for (;;) {
        const rows = await this.ctx.db
          .selectFrom('audit_events')
          .selectAll()
          .where('seq', '>', after)
          .where('seq', '<=', Number(head.seq))
          .orderBy('seq')
          .limit(VERIFY_BATCH)
          .execute();
        for (const row of rows) if (!checker.push(toRecord(row))) return checker.finish();
        if (rows.length < VERIFY_BATCH) break;
        after = Number(rows[rows.length - 1]!.seq);
      }
      return checker.finish({ seq: Number(head.seq), hash: head.hash });
    });
  }
}

function iso(t: Date | string): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) throw new TypeError('audit filter: invalid time');
  return d.toISOString();
}

function toRecord(row: Selectable<AuditEventsTable>): AuditRecord {
  let details: Record<string, unknown> | null = null;
  if (row.details !== null) {
    try {
      details = JSON.parse(row.details) as Record<string, unknown>;
    } catch {
      // A row edited to invalid JSON: surface it so verifyChain reports a hash mismatch.
      details = { __unparseable__: row.details };
    }
  }
  return {
    seq: Number(row.seq),
    time: row.time,
    actor: row.actor,
    role: row.role,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditRecord['outcome'],
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
