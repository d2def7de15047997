import { sql } from 'kysely';
import { GENESIS_HASH } from '../../audit/chain.js';
import { binaryType, type PortableMigration } from './types.js';

/**
 * Core tables: the hash-chained audit log (with its head row and append-only triggers), hashed API
 * tokens for the HTTP edge, and sealed (encrypted) private keys for the key store.
 */
export const migration0001Core: PortableMigration = {
  name: '0001-core',
  async up(db, dialect) {
    await db.schema
      .createTable('audit_events')
      .addColumn('seq', 'integer', (c) => c.primaryKey().check(sql`seq >= 1`))
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('success', 'failure')`))
      .addColumn('details', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .execute();
    await db.schema.createIndex('audit_events_time').on('audit_events').column('time').execute();
    await db.schema.createIndex('audit_events_target').on('audit_events').column('target').execute();
    await db.schema.createIndex('audit_events_actor').on('audit_events').column('actor').execute();

    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.insertInto('audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH }).execute();

    // Append-only at the storage level too: an UPDATE or DELETE through the application fails.
    // Someone with DDL rights can still drop the trigger; the hash chain is what detects that.
    if (dialect === 'postgres') {
      await sql`CREATE FUNCTION kyso_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$`.execute(db);
      await sql`CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION kyso_audit_append_only()`.execute(db);
    } else {
      await sql`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(db);
      await sql`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(db);
    }

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('organization_id', 'text')
      .addColumn('label', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('last_used_at', 'text')
      .execute();

    const bin = binaryType(dialect);
    await db.schema
      .createTable('sealed_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('uri', 'text', (c) => c.notNull().unique())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('key_type', 'text', (c) => c.notNull())
      .addColumn('public_key_spki', bin, (c) => c.notNull())
      .addColumn('kek_id', 'text', (c) => c.notNull())
      .addColumn('iv', bin, (c) => c.notNull())
      .addColumn('ciphertext', bin, (c) => c.notNull())
      .addColumn('tag', bin, (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
