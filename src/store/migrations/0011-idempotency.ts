import { sql } from 'kysely';
import type { PortableMigration } from './types.js';
import { binaryType } from './types.js';

/**
 * Idempotency keys (draft-ietf-httpapi-idempotency-key-header): one row per (caller, key). The
 * primary key is what makes one instance the winner when several receive the same retry at once:
 * every instance inserts first and only the one whose insert succeeded runs the request. The row
 * holds the request fingerprint (a keyed hash, never the request), the stored response for replay
 * (none when the answer carried a secret: then only the created resource's id), the claim that
 * runs it (`claim_id`, `locked_until`: a crashed instance's claim lapses) and the expiry.
 */
export const migration0011Idempotency: PortableMigration = {
  name: '0011-idempotency',
  async up(db, dialect) {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('caller', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'done', 'secret')`))
      .addColumn('claim_id', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('headers', 'text')
      .addColumn('body', binaryType(dialect))
      .addColumn('resource_id', 'text')
      .addColumn('resource_location', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['caller', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_expires').on('idempotency_keys').column('expires_at').execute();
  },
};
