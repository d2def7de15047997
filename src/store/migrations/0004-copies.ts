import { sql } from 'kysely';
import type { PortableMigration } from './types.js';

/**
 * Certified-copy register (Decree 23/2015 Art. 13). `register_years` holds the per-year counter
 * that every allocation locks, so numbers are gap-free; unique (authority, type, year, number)
 * makes a duplicate impossible even if that logic were bypassed; entries cannot be deleted
 * (trigger), only marked failed or annulled.
 */
export const migration0004Copies: PortableMigration = {
  name: '0004-copies',
  async up(db, dialect) {
    await db.schema
      .createTable('authorities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('place', 'text', (c) => c.notNull())
      .addColumn('organization_id', 'text')
      .addColumn('seal_credential_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('register_years')
      .addColumn('authority_id', 'text', (c) => c.notNull().references('authorities.id'))
      .addColumn('register_type', 'text', (c) => c.notNull())
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('last_number', 'integer', (c) => c.notNull().check(sql`last_number >= 0`))
      .addColumn('closed_at', 'text')
      .addColumn('closed_by', 'text')
      .addColumn('total', 'integer')
      .addPrimaryKeyConstraint('register_years_pk', ['authority_id', 'register_type', 'year'])
      .execute();

    await db.schema
      .createTable('register_volumes')
      .addColumn('authority_id', 'text', (c) => c.notNull().references('authorities.id'))
      .addColumn('register_type', 'text', (c) => c.notNull())
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('volume', 'integer', (c) => c.notNull().check(sql`volume >= 1`))
      .addColumn('opened_at', 'text', (c) => c.notNull())
      .addColumn('opened_by', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'text')
      .addPrimaryKeyConstraint('register_volumes_pk', ['authority_id', 'register_type', 'year', 'volume'])
      .execute();

    await db.schema
      .createTable('register_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('authority_id', 'text', (c) => c.notNull().references('authorities.id'))
      .addColumn('register_type', 'text', (c) => c.notNull())
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('volume', 'integer', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull().check(sql`number >= 1`))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'valid', 'failed', 'annulled')`))
      .addColumn('lookup_code', 'text', (c) => c.notNull().unique())
      .addColumn('certifier_id', 'text', (c) => c.notNull())
      .addColumn('requester_name', 'text', (c) => c.notNull())
      .addColumn('requester_id_document', 'text', (c) => c.notNull())
      .addColumn('document_type', 'text', (c) => c.notNull())
      .addColumn('document_title', 'text', (c) => c.notNull())
      .addColumn('document_issuer', 'text', (c) => c.notNull())
      .addColumn('original_sha256', 'text', (c) => c.notNull())
      .addColumn('original_pages', 'integer', (c) => c.notNull())
      .addColumn('copies', 'integer', (c) => c.notNull())
      .addColumn('fee_per_copy', 'integer', (c) => c.notNull())
      .addColumn('fee_total', 'integer', (c) => c.notNull())
      .addColumn('copy_sha256', 'text')
      .addColumn('certified_at', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('status_changed_by', 'text')
      .addColumn('status_changed_at', 'text')
      .addUniqueConstraint('register_entries_number_unique', ['authority_id', 'register_type', 'year', 'number'])
      .execute();
    await db.schema.createIndex('register_entries_copy_sha').on('register_entries').column('copy_sha256').execute();
    await db.schema.createIndex('register_entries_status').on('register_entries').columns(['status', 'certified_at']).execute();

    if (dialect === 'postgres') {
      await sql`CREATE FUNCTION kyso_register_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'register entries are never deleted'; END; $$`.execute(db);
      await sql`CREATE TRIGGER register_entries_no_delete BEFORE DELETE ON register_entries
        FOR EACH ROW EXECUTE FUNCTION kyso_register_no_delete()`.execute(db);
    } else {
      await sql`CREATE TRIGGER register_entries_no_delete BEFORE DELETE ON register_entries
        BEGIN SELECT RAISE(ABORT, 'register entries are never deleted'); END`.execute(db);
    }
  },
};
