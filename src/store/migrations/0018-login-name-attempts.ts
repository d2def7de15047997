import type { PortableMigration } from './types.js';

/**
 * Failed sign-ins per username that has no password to check: unknown names, and accounts that
 * sign in only through OpenID Connect. An account's own counter locked it after the limit while
 * an unknown name answered `401` for ever, so the lock told which usernames exist. This table
 * gives those names the same counter and lock (docs/sign-in.md), updated the same way: one
 * conditional upsert per attempt. Only names that the username rule allows are kept (the same
 * text the audit log already holds as the target of a failed sign-in). Failures are counted within
 * a window, as per IP, so a name nobody tries again is forgotten and the table does not grow
 * with every name ever guessed.
 */
export const migration0018LoginNameAttempts: PortableMigration = {
  name: '0018-login-name-attempts',
  async up(db) {
    await db.schema
      .createTable('login_name_attempts')
      .addColumn('username', 'text', (c) => c.primaryKey())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull())
      .addColumn('window_started_at', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .execute();
  },
};
