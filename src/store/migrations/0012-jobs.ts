import type { PortableMigration } from './types.js';

/**
 * Jobs (docs/jobs.md): a job, its items (one per file, claimed by workers with a lease), the
 * callers' webhook secrets, and the webhook deliveries with every attempt. No column holds a PIN
 * or a password; a sign job keeps the id of the batch authorization it runs on.
 */
export const migration0012Jobs: PortableMigration = {
  name: '0012-jobs',
  async up(db) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('organization_id', 'text')
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('options', 'text', (c) => c.notNull())
      .addColumn('authorization_id', 'text')
      .addColumn('signing_time', 'text', (c) => c.notNull())
      .addColumn('deterministic', 'integer', (c) => c.notNull())
      .addColumn('webhook_url', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .execute();
    await db.schema
      .createTable('job_items')
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('input_sha256', 'text', (c) => c.notNull())
      .addColumn('input_bytes', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('claim_token', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('output_sha256', 'text')
      .addColumn('output_bytes', 'integer')
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('job_items_pk', ['job_id', 'n'])
      .execute();
    await db.schema.createIndex('job_items_state').on('job_items').columns(['state', 'lease_until']).execute();
    await db.schema
      .createTable('webhook_secrets')
      .addColumn('owner_id', 'text', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('claim_token', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['state', 'next_attempt_at']).execute();
    await db.schema
      .createTable('webhook_attempts')
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id'))
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'n'])
      .execute();
  },
};
