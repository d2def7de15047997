import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { AuditEvent, AuditFilter, AuditLog, AuditRecord, ChainVerification } from '../../audit/audit-log.js';
import { ChainChecker, normalizeAuditEvent, recordFrom, type NormalizedAuditEvent } from '../../audit/chain.js';
import { appendStatements, type HeadRow, type StoredEvent } from './audit-statements.js';
import type { DirectStatements } from '../database.js';
import type { AuditEventsTable, Database } from '../schema.js';
import { storeCall, toStoreError } from '../errors.js';
import type { DbContext } from './tx-runner.js';

const VERIFY_BATCH = 2_000;
/** Records per group commit; 10 columns each keeps a statement far below both engines' parameter limits. */
const GROUP_MAX = 200;

interface Waiting {
  readonly event: NormalizedAuditEvent;
  resolve(r: AuditRecord): void;
  reject(e: unknown): void;
}

/**
 * AuditLog on the relational store. Appends are serialised on the single `audit_head` row:
 * PostgreSQL takes `SELECT … FOR UPDATE` on it (so two service instances queue rather than fork
 * the chain), SQLite holds the database write lock from `BEGIN IMMEDIATE`. The head row, which a
 * trigger moves as events are inserted (migration 0015), also lets verifyChain notice a deleted tail. The table has append-only triggers (migration 0001).
 *
 * Group commit: appends that arrive while a commit is in flight are chained and written together
 * in the next transaction (one fsync for many records), so concurrent requests are not limited by
 * commit latency. Each caller's promise still resolves only after its own record is committed.
 * Inside `Store.transaction()` (`grouped: false`) the append joins the caller's transaction instead.
 */
export class KyselyAuditLog implements AuditLog {
  readonly #queue: Waiting[] = [];
  #flushing: Promise<void> | undefined;

  constructor(
    private readonly ctx: DbContext,
    private readonly clock: Clock,
    private readonly grouped = false,
  ) {}

  append(event: AuditEvent): Promise<AuditRecord> {
    let normalized: NormalizedAuditEvent;
    try {
      normalized = normalizeAuditEvent(event);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.grouped) return this.ctx.atomic((db, direct) => this.#writeOne(db, direct, normalized));
    return new Promise<AuditRecord>((resolve, reject) => {
      this.#queue.push({ event: normalized, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  /** Resolves when every queued append has been committed or failed (Store.close waits for it). */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, GROUP_MAX);
        try {
          const events = batch.map((w) => w.event);
          const records = await storeCall(() =>
            this.ctx.atomic((db, direct) => (direct ? Promise.resolve(this.#writeDirect(direct, events)) : this.#write(db, events))),
          );
          batch.forEach((w, i) => w.resolve(records[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /** One event in the caller's transaction (on SQLite written before this returns, see #writeDirect). */
  #writeOne(db: Kysely<Database>, direct: DirectStatements | undefined, event: NormalizedAuditEvent): Promise<AuditRecord> {
    if (!direct) return storeCall(async () => (await this.#write(db, [event]))[0]!);
    try {
      return Promise.resolve(this.#writeDirect(direct, [event])[0]!);
    } catch (err) {
      return Promise.reject(toStoreError(err));
    }
  }

  /**
   * Inside a write transaction: lock the head, chain the records after it, insert them; a trigger
   * moves the head to the last one (migration 0015). The Merkle tree is not touched here: its nodes
   * are derived from the events and written later (materializeAuditTree in audit-tree.ts,
   * docs/audit.md "Leaves"), so an append costs two precompiled statements: on SQLite run
   * synchronously on the connection the transaction holds (`direct`), on PostgreSQL through Kysely.
   */
  #writeDirect(direct: DirectStatements, events: readonly NormalizedAuditEvent[]): AuditRecord[] {
    const s = appendStatements(this.ctx.db, this.ctx.dialect);
    const stored = this.#chain(direct.get<HeadRow>(s.head.sql, s.head.parameters), events);
    const insert = s.insertEvents(stored);
    direct.run(insert.sql, insert.parameters);
    return stored.map((x) => x.record);
  }

  async #write(db: Kysely<Database>, events: readonly NormalizedAuditEvent[]): Promise<AuditRecord[]> {
    const s = appendStatements(db, this.ctx.dialect);
    const stored = this.#chain((await db.executeQuery(s.head)).rows[0], events);
    await db.executeQuery(s.insertEvents(stored));
    return stored.map((x) => x.record);
  }

  /** The records of `events` chained after `head`. */
  #chain(head: HeadRow | undefined, events: readonly NormalizedAuditEvent[]): StoredEvent[] {
    if (!head) throw new Error('the audit head row is missing');
    let seq = Number(head.seq);
    let prev = head.hash;
    const stored: StoredEvent[] = [];
    for (const e of events) {
      const record = recordFrom(e, ++seq, prev, this.clock.now());
      stored.push({ record, detailsJson: e.detailsJson });
      prev = record.hash;
    }
    return stored;
  }

  list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), 10_000);
    const order = filter.order === 'desc' ? 'desc' : 'asc';
    const searching = SEARCHED.some((f) => filter[f] !== undefined);
    const db = this.ctx.db;
    let q = db.selectFrom('audit_events').selectAll();
    if (filter.fromSeq !== undefined) q = q.where('seq', '>=', filter.fromSeq);
    if (filter.toSeq !== undefined) q = q.where('seq', '<=', filter.toSeq);
    // the search runs on audit_search's indexes: the first `limit` matching seqs, then their rows
    if (searching) q = q.where('seq', 'in', searchSeqs(db, filter, order, limit));
    q = q.orderBy('seq', order).limit(limit);
    return storeCall(async () => {
      if (searching) await catchUpSearch(db);
      return (await q.execute()).map(toRecord);
    });
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

/** The filters answered by audit_search (seq bounds and order alone read audit_events directly). */
const SEARCHED = ['actor', 'action', 'actionPrefix', 'target', 'outcome', 'since', 'until'] as const;

function searchSeqs(db: Kysely<Database>, filter: AuditFilter, order: 'asc' | 'desc', limit: number) {
  let q = db.selectFrom('audit_search').select('seq');
  if (filter.fromSeq !== undefined) q = q.where('seq', '>=', filter.fromSeq);
  if (filter.toSeq !== undefined) q = q.where('seq', '<=', filter.toSeq);
  if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor);
  if (filter.action !== undefined) q = q.where('action', '=', filter.action);
  // LIKE with the wildcards of the prefix escaped: a prefix is matched literally.
  if (filter.actionPrefix !== undefined) q = q.where(sql<boolean>`action LIKE ${likePrefix(filter.actionPrefix)} ESCAPE '\\'`);
  if (filter.target !== undefined) q = q.where('target', '=', filter.target);
  if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
  if (filter.since !== undefined) q = q.where('time', '>=', iso(filter.since));
  if (filter.until !== undefined) q = q.where('time', '<', iso(filter.until));
  return q.orderBy('seq', order).limit(limit);
}

/**
 * Copies the searched columns of the events not yet in audit_search (both tables are append-only
 * and filled in seq order, so those are the events after its highest seq). An append does not
 * write them, so that its commit writes only the event and the head; the first search after it
 * does, in one statement. Another instance doing the same at once inserts the same rows.
 */
async function catchUpSearch(db: Kysely<Database>): Promise<void> {
  await db
    .insertInto('audit_search')
    .columns(['seq', 'time', 'actor', 'action', 'target', 'outcome'])
    .expression(
      db
        .selectFrom('audit_events')
        .select(['seq', 'time', 'actor', 'action', 'target', 'outcome'])
        .where('seq', '>', (eb) => eb.selectFrom('audit_search').select(sql<number>`coalesce(max(seq), 0)`.as('m'))),
    )
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute();
}

function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

function iso(t: Date | string): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) throw new TypeError('audit filter: invalid time');
  return d.toISOString();
}

export function toRecord(row: Selectable<AuditEventsTable>): AuditRecord {
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
