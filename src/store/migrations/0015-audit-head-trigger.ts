import { sql } from 'kysely';
import type { PortableMigration } from './types.js';

/**
 * The audit head follows the events: a trigger moves `audit_head` to the newest inserted event, so
 * an append is two statements (read and, on PostgreSQL, lock the head; insert the events) instead
 * of three. Each statement costs the application more than the database's work in it (a client
 * round trip on PostgreSQL, the query layer's per-statement work on SQLite); the trigger's UPDATE
 * costs the engine the same as the application's did.
 *
 * The head only moves forward (`seq < NEW.seq`), as an append always inserts after it: an event
 * inserted below the head by hand leaves it where it is, and a deleted tail leaves it ahead of the
 * events, which is how verifyChain and the self-check find it (docs/audit.md). Appends still lock
 * the head row first (PostgreSQL `FOR UPDATE`), which is what keeps seq dense across instances.
 * PostgreSQL: one statement-level trigger per INSERT (a group commit inserts many rows at once),
 * reading the inserted rows from its transition table; SQLite has row-level triggers only.
 */
export const migration0015AuditHeadTrigger: PortableMigration = {
  name: '0015-audit-head-trigger',
  async up(db, dialect) {
    if (dialect === 'postgres') {
      await sql`CREATE FUNCTION kyso_audit_head_follow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE audit_head SET seq = n.seq, hash = n.hash
            FROM (SELECT seq, hash FROM audit_inserted ORDER BY seq DESC LIMIT 1) n
            WHERE audit_head.id = 1 AND audit_head.seq < n.seq;
          RETURN NULL;
        END; $$`.execute(db);
      await sql`CREATE TRIGGER audit_events_head AFTER INSERT ON audit_events
        REFERENCING NEW TABLE AS audit_inserted FOR EACH STATEMENT EXECUTE FUNCTION kyso_audit_head_follow()`.execute(db);
      return;
    }
    await sql`CREATE TRIGGER audit_events_head AFTER INSERT ON audit_events
      BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1 AND seq < NEW.seq; END`.execute(db);
  },
};
