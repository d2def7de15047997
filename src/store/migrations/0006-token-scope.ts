import type { PortableMigration } from './types.js';

/**
 * Token scope beyond the organization: a certifier's token names its certifying authority and
 * the official whose credentials it uses. Older non-admin tokens without these columns keep
 * working only where no scope is checked; every scoped route refuses them (FORBIDDEN_SCOPE), so
 * an unscoped token never gains province-wide rights.
 */
export const migration0006TokenScope: PortableMigration = {
  name: '0006-token-scope',
  async up(db) {
    await db.schema.alterTable('api_tokens').addColumn('authority_id', 'text').execute();
    await db.schema.alterTable('api_tokens').addColumn('official_id', 'text').execute();
  },
};
