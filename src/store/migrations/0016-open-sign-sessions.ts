import { sql } from 'kysely';
import type { PortableMigration } from './types.js';

/**
 * An official's prepared documents still awaiting their signature are counted on every prepare
 * (the cap on open sessions). With only the expiry index, the count read every unexpired session of
 * every official, completed ones included, since a completed session stays until it expires: its
 * cost grew with the whole province's signing of the last minutes. This partial index holds only
 * the sessions not yet used, by owner and expiry, so the count reads the official's own open ones
 * (SQLite and PostgreSQL both use a partial index when the query repeats its condition).
 */
export const migration0016OpenSignSessions: PortableMigration = {
  name: '0016-open-sign-sessions',
  async up(db) {
    await db.schema
      .createIndex('sign_sessions_open_by_owner')
      .on('sign_sessions')
      .columns(['owner_id', 'expires_at'])
      .where(sql.ref('used_at'), 'is', null)
      .execute();
  },
};
