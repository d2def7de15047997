import type { PortableMigration } from './types.js';
import { binaryType } from './types.js';

/**
 * Stamp settings registered once (Decree 30/2020 Appendix I stamps on certified copies): per
 * certifying authority its seal image, the seal's real diameter, the signing-authority lines and
 * title, and whether text-only stamps are allowed; per signing credential the holder's
 * signature image. Separate tables so the authority and credential rows stay as they are.
 */
export const migration0008Stamps: PortableMigration = {
  name: '0008-stamps',
  async up(db, dialect) {
    await db.schema
      .createTable('authority_stamps')
      .addColumn('authority_id', 'text', (c) => c.primaryKey().references('authorities.id'))
      .addColumn('seal_image', binaryType(dialect))
      .addColumn('seal_diameter_mm', 'real')
      .addColumn('title', 'text')
      .addColumn('authority_lines', 'text', (c) => c.notNull())
      .addColumn('text_only_stamps', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('signature_images')
      .addColumn('credential_id', 'text', (c) => c.primaryKey().references('signing_credentials.id'))
      .addColumn('image', binaryType(dialect), (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
  },
};
