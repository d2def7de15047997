import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { AuditEvent, AuditFilter, AuditLog, AuditRecord, ChainVerification } from '../../audit/audit-log.js';
import { auditLeafHash, ChainChecker, normalizeAuditEvent, recordFrom, type NormalizedAuditEvent } from '../../audit/chain.js';
import { completedNodes, nodeKey, perfectCover } from '../../audit/merkle.js';
import { readTreeNodes } from './audit-tree.js';
import type { AuditEventsTable, Database } from '../schema.js';
import { storeCall } from '../errors.js';
import type { DbContext } from './tx-runner.js';

const VERIFY_BATCH = 2_000;
/** Records per group commit; 10 columns each keeps a statement far below both engines' parameter limits. */
const GROUP_MAX = 200;

/**
 * The right edge of the tree (complete subtrees covering [0, seq)) after the last append of this
 * process, shared by the store's audit log instances so an append need not read it back. It is
 * used only when the head read under the lock is exactly (seq, hash): that hash commits to every
 * record before it through the chain, so the edge is right even if that append was rolled back and
 * an identical one committed later; any other head (another instance appended) means a re-read.
 */
export interface TreeEdgeCache {
  current?: { readonly seq: number; readonly hash: string; readonly nodes: ReadonlyMap<string, Buffer> };
}

interface Waiting {
  readonly event: NormalizedAuditEvent;
  resolve(r: AuditRecord): void;
  reject(e: unknown): void;
}

/**
 * AuditLog on the relational store. Appends are serialised on the single `audit_head` row:
 * PostgreSQL takes `SELECT … FOR UPDATE` on it (so two service instances queue rather than fork
 * the chain), SQLite holds the database write lock from `BEGIN IMMEDIATE`. The head row also lets
 * verifyChain notice a deleted tail. The table has append-only triggers (migration 0001).
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
    private readonly edge: TreeEdgeCache = {},
  ) {}

  append(event: AuditEvent): Promise<AuditRecord> {
    let normalized: NormalizedAuditEvent;
    try {
      normalized = normalizeAuditEvent(event);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.grouped) return storeCall(() => this.ctx.atomic(async (db) => (await this.#write(db, [normalized]))[0]!));
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
          const records = await storeCall(() =>
            this.ctx.atomic((db) =>
              this.#write(
                db,
                batch.map((w) => w.event),
              ),
            ),
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

  /** Inside a write transaction: lock the head, chain the records after it, insert, move the head. */
  async #write(db: Kysely<Database>, events: readonly NormalizedAuditEvent[]): Promise<AuditRecord[]> {
    let q = db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
    if (this.ctx.dialect === 'postgres') q = q.forUpdate();
    const head = await q.executeTakeFirstOrThrow();
    let seq = Number(head.seq);
    let prev = head.hash;
    const records: AuditRecord[] = [];
    for (const e of events) {
      const r = recordFrom(e, ++seq, prev, this.clock.now());
      records.push(r);
      prev = r.hash;
    }
    await db
      .insertInto('audit_events')
      .values(
        records.map(({ prevHash, details, ...same }) => ({
          ...same,
          details: details === null ? null : JSON.stringify(details),
          prev_hash: prevHash,
        })),
      )
      .execute();
    this.edge.current = { seq, hash: prev, nodes: await this.#grow(db, { seq: Number(head.seq), hash: head.hash }, records) };
    await db.updateTable('audit_head').set({ seq, hash: prev }).where('id', '=', 1).execute();
    return records;
  }

  /**
   * Appends the records' leaves to the Merkle tree (RFC 9162) under the same head lock: the
   * complete subtrees they finish are written beside them, so leaf index = seq - 1 stays dense.
   */
  async #grow(db: Kysely<Database>, head: { seq: number; hash: string }, records: readonly AuditRecord[]): Promise<Map<string, Buffer>> {
    const size = head.seq;
    const c = this.edge.current;
    const known =
      c && c.seq === head.seq && c.hash === head.hash ? new Map(c.nodes) : await readTreeNodes(db, perfectCover({ lo: 0, hi: size }));
    const rows: { level: number; idx: number; hash: string }[] = [];
    for (const r of records) {
      const done = completedNodes(r.seq - 1, auditLeafHash(r), (level, index) => {
        const h = known.get(nodeKey({ level, index }));
        if (!h) throw new Error(`audit tree node ${level}:${index} is missing`);
        return h;
      });
      for (const n of done) {
        known.set(nodeKey(n), n.hash);
        rows.push({ level: n.level, idx: n.index, hash: n.hash.toString('hex') });
      }
    }
    // 3 columns a row: far below both engines' parameter limits at GROUP_MAX records (≤ 2 rows each on average)
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('audit_tree')
        .values(rows.slice(i, i + 500))
        .execute();
    const last = records.length ? records[records.length - 1]!.seq : size;
    return new Map(perfectCover({ lo: 0, hi: last }).map((p) => [nodeKey(p), known.get(nodeKey(p))!]));
  }

  list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), 10_000);
    let q = this.ctx.db.selectFrom('audit_events').selectAll();
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

function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
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
