import { Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { createDatabase } from '../../../src/store/database.js';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';
import { buildAuditRecord, GENESIS_HASH } from '../../../src/audit/chain.js';
import { AuditProofs } from '../../../src/audit/proofs.js';
import { auditLeafData, mth } from '../../fixtures/rfc9162.js';
import { createTestDb, DIALECTS, type TestDb } from './support/test-db.js';

/**
 * An installation upgraded with events already in its log: migration 0009 hashes them into the
 * tree, so the root is the RFC 9162 MTH of every record (recomputed in test/fixtures/rfc9162.ts)
 * and appends after the upgrade extend the same tree; migration 0014 makes them searchable.
 */
describe.each(DIALECTS)('audit tree backfill on upgrade (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('ok/existing events become the first leaves, in seq order', async () => {
    const { db } = createDatabase(t.config);
    const before = MIGRATIONS.filter((m) => m.name < '0009');
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => Object.fromEntries(before.map((m) => [m.name, { up: (d: typeof db) => m.up(d, dialect) }])) },
      migrationTableName: 'kyso_migrations',
      migrationLockTableName: 'kyso_migrations_lock',
    });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    let prev = GENESIS_HASH;
    const rows: unknown[][] = [];
    for (let seq = 1; seq <= 37; seq++) {
      const r = buildAuditRecord(
        {
          actor: `token:${seq}`,
          role: 'admin',
          action: 'old.event',
          outcome: 'success',
          ...(seq % 3 ? { details: { seq, note: 'trước' } } : {}),
        },
        seq,
        prev,
        new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
      );
      prev = r.hash;
      rows.push([
        r.seq,
        r.time,
        r.actor,
        r.role,
        r.action,
        r.target,
        r.outcome,
        r.details === null ? null : JSON.stringify(r.details),
        r.prevHash,
        r.hash,
      ]);
    }
    await t.insertRows(
      'audit_events',
      ['seq', 'time', 'actor', 'role', 'action', 'target', 'outcome', 'details', 'prev_hash', 'hash'],
      rows,
    );
    await t.raw('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [37, prev]);
    await db.destroy();

    const store = await openStore(t.config);
    try {
      const proofs = new AuditProofs(store.auditTree);
      const leaves = async () =>
        (await store.audit.list({ limit: 1000 })).map((r) => auditLeafData(r as unknown as Record<string, unknown>));
      expect((await proofs.root()).rootHash).toBe(mth(await leaves()).toString('hex'));
      for (let i = 0; i < 6; i++) await store.audit.append({ actor: 'token:new', role: 'admin', action: 'new.event', outcome: 'success' });
      expect((await proofs.root()).rootHash).toBe(mth(await leaves()).toString('hex'));
      expect(await store.audit.verifyChain()).toMatchObject({ ok: true, count: 43 });
      // migration 0014 copied the old events into the search table; the new ones join it on search
      expect((await store.audit.list({ actor: 'token:5' })).map((r) => r.seq)).toEqual([5]);
      expect((await store.audit.list({ actionPrefix: 'old.', order: 'desc', limit: 2 })).map((r) => r.seq)).toEqual([37, 36]);
      expect((await store.audit.list({ action: 'new.event', fromSeq: 40 })).map((r) => r.seq)).toEqual([40, 41, 42, 43]);
    } finally {
      await store.close();
    }
  });
});
