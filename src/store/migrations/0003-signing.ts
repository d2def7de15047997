import { sql } from 'kysely';
import { binaryType, type PortableMigration } from './types.js';

/** Signing service tables: two-phase sessions, server-held credentials (PIN hash only), batch authorizations. */
export const migration0003Signing: PortableMigration = {
  name: '0003-signing',
  async up(db, dialect) {
    const bin = binaryType(dialect);
    await db.schema
      .createTable('sign_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner_id', 'text')
      .addColumn('prepared_pdf', bin, (c) => c.notNull())
      .addColumn('byte_range', 'text', (c) => c.notNull())
      .addColumn('signed_attributes', bin, (c) => c.notNull())
      .addColumn('digest_algorithm', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('certificates', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
    await db.schema.createIndex('sign_sessions_expires').on('sign_sessions').column('expires_at').execute();

    await db.schema
      .createTable('signing_credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('key_uri', 'text', (c) => c.notNull())
      .addColumn('certificates', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text')
      .addColumn('pin_hash', 'text', (c) => c.notNull())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull().check(sql`failed_attempts >= 0`))
      .addColumn('locked_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('signing_credentials_owner').on('signing_credentials').column('owner_id').execute();

    await db.schema
      .createTable('signing_authorizations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('max_documents', 'integer', (c) => c.notNull().check(sql`max_documents >= 1`))
      .addColumn('used_documents', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addCheckConstraint('signing_authorizations_budget', sql`used_documents >= 0 and used_documents <= max_documents`)
      .execute();
  },
};
