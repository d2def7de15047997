import { binaryType, type PortableMigration } from './types.js';

/**
 * The signed copies' bytes, keyed by their SHA-256 (the register entry's copy_sha256). Used by
 * PostgreSQL deployments that keep copies in the database; SQLite deployments keep them as files
 * in the data directory, so the table stays empty there.
 */
export const migration0007CopyDocuments: PortableMigration = {
  name: '0007-copy-documents',
  async up(db, dialect) {
    await db.schema
      .createTable('copy_documents')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('pdf', binaryType(dialect), (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
