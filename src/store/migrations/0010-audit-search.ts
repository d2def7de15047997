import type { PortableMigration } from './types.js';

/**
 * Auditors search the log by action (exact or by prefix, e.g. every `copy.` action) as often as by
 * actor, target or time, which already have indexes: without this one a search by action reads
 * the whole log.
 */
export const migration0010AuditSearch: PortableMigration = {
  name: '0010-audit-search',
  async up(db) {
    await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'seq']).execute();
  },
};
