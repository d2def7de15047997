import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../config.js';
import type { PortableMigration } from './types.js';

/**
 * An audit append writes one event row and moves the head; every other index page it dirties is
 * a further page written at each commit (SQLite WAL frames, PostgreSQL WAL records), which made the
 * log cost several plain INSERTs per state change.
 *
 * - The auditor search (actor, target, action or action prefix, outcome, period, keyset paging
 *   by seq) moves to `audit_search`, a copy of those columns with their indexes, filled from the
 *   events in seq order when a search needs it (src/store/adapters/audit-log.ts): events are
 *   append-only, so catching up is one INSERT … SELECT of the rows after its highest seq. The
 *   indexes on `audit_events` itself go.
 * - The UNIQUE constraint on `audit_events.hash` goes: the hash is SHA-256 over a preimage that
 *   contains the seq (the primary key), so two rows cannot share it, and the hash chain check,
 *   not the constraint, is what detects a forged row. SQLite cannot drop a constraint, so the
 *   table is rebuilt (SQLite "ALTER TABLE", §7 "Making Other Kinds Of Table Schema Changes").
 */
export const migration0014AuditSearchTable: PortableMigration = {
  name: '0014-audit-search-table',
  async up(db, dialect) {
    // SQLite runs migrations outside a transaction (no transactional DDL in Kysely's adapter):
    // the rebuild must not be left half done.
    if (dialect === 'sqlite') await sql`BEGIN IMMEDIATE`.execute(db);
    try {
      await migrate(db, dialect);
      if (dialect === 'sqlite') await sql`COMMIT`.execute(db);
    } catch (err) {
      if (dialect === 'sqlite') await sql`ROLLBACK`.execute(db).catch(() => undefined);
      throw err;
    }
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations predate the schema they create
async function migrate(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('audit_search')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO audit_search (seq, time, actor, action, target, outcome)
    SELECT seq, time, actor, action, target, outcome FROM audit_events`.execute(db);
  await db.schema.createIndex('audit_search_time').on('audit_search').columns(['time', 'seq']).execute();
  await db.schema.createIndex('audit_search_actor').on('audit_search').columns(['actor', 'seq']).execute();
  await db.schema.createIndex('audit_search_target').on('audit_search').columns(['target', 'seq']).execute();
  await db.schema.createIndex('audit_search_action').on('audit_search').columns(['action', 'seq']).execute();

  for (const i of ['audit_events_time', 'audit_events_target', 'audit_events_actor', 'audit_events_action'])
    await db.schema.dropIndex(i).execute();

  if (dialect === 'postgres') {
    // kyso_audit_append_only() comes from migration 0001
    await sql`CREATE TRIGGER audit_search_append_only BEFORE UPDATE OR DELETE ON audit_search
      FOR EACH ROW EXECUTE FUNCTION kyso_audit_append_only()`.execute(db);
    await sql`ALTER TABLE audit_events DROP CONSTRAINT audit_events_hash_key`.execute(db);
    return;
  }
  await appendOnlySqlite(db, 'audit_search');
  // the same table as 0001 without UNIQUE on hash; its triggers are dropped with it and redone
  await db.schema
    .createTable('audit_events_0014')
    .addColumn('seq', 'integer', (c) => c.primaryKey().check(sql`seq >= 1`))
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('success', 'failure')`))
    .addColumn('details', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO audit_events_0014 (seq, time, actor, role, action, target, outcome, details, prev_hash, hash)
    SELECT seq, time, actor, role, action, target, outcome, details, prev_hash, hash FROM audit_events`.execute(db);
  await sql`DROP TABLE audit_events`.execute(db);
  await sql`ALTER TABLE audit_events_0014 RENAME TO audit_events`.execute(db);
  await appendOnlySqlite(db, 'audit_events');
}

/** The `<table>_no_update` / `<table>_no_delete` triggers of migration 0001, for one table. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations predate the schema they create
async function appendOnlySqlite(db: Kysely<any>, table: 'audit_search' | 'audit_events'): Promise<void> {
  for (const [op, name] of [
    ['UPDATE', 'no_update'],
    ['DELETE', 'no_delete'],
  ] as const)
    await sql
      .raw(`CREATE TRIGGER ${table}_${name} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`)
      .execute(db);
}
