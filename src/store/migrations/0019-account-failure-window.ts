import type { PortableMigration } from './types.js';

/**
 * When an account's current count of failed sign-ins started. Failures older than the window
 * (KYSO_LOGIN_LOCK) are forgotten, as they are per client IP and per unknown username: the three
 * counters answer alike, so an account's lasting count cannot tell a real username from an
 * unknown one whose count was forgotten, and typos spread over days do not add up to a lock.
 * Null (no failure counted yet, or counted before this migration) starts a new count.
 */
export const migration0019AccountFailureWindow: PortableMigration = {
  name: '0019-account-failure-window',
  async up(db) {
    await db.schema.alterTable('accounts').addColumn('failures_window_started_at', 'text').execute();
  },
};
