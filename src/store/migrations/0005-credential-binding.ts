import { sql } from 'kysely';
import type { PortableMigration } from './types.js';

/**
 * One key, one credential, one PIN chosen by its holder; dual-control requests.
 *
 * - `signing_credentials.key_uri` becomes unique: a server-held key can never carry a second
 *   credential with another PIN (a database with such duplicates must be cleaned up first).
 * - The holder sets the PIN with a one-time activation code (kept only as a SHA-256 hash, with
 *   an expiry); `pin_hash` is the empty string until then.
 * - `authorities.seal_custodian_id`: the person who keeps the organization's seal (the records
 *   clerk, Decree 30/2020 Art. 32), the only holder a seal credential may be bound to.
 * - `approval_requests`: requests a second person approves (credential binding, PIN reset,
 *   CA certificate revocation); at most one pending request per kind and target.
 */
export const migration0005CredentialBinding: PortableMigration = {
  name: '0005-credential-binding',
  async up(db) {
    await db.schema.alterTable('signing_credentials').addColumn('activation_code_hash', 'text').execute();
    await db.schema.alterTable('signing_credentials').addColumn('activation_expires_at', 'text').execute();
    await db.schema.createIndex('signing_credentials_key_unique').unique().on('signing_credentials').column('key_uri').execute();
    await db.schema.alterTable('authorities').addColumn('seal_custodian_id', 'text').execute();

    await db.schema
      .createTable('approval_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('credential.bind', 'credential.pin-reset', 'ca.revoke')`))
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'approved', 'rejected', 'failed')`))
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('note', 'text')
      .execute();
    await sql`CREATE UNIQUE INDEX approval_requests_one_pending ON approval_requests (kind, target) WHERE state = 'pending'`.execute(db);
    await db.schema.createIndex('approval_requests_state').on('approval_requests').columns(['state', 'requested_at']).execute();
  },
};
