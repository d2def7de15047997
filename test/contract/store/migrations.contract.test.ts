import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';
import { createTestDb, DIALECTS, type TestDb } from './support/test-db.js';
import { cleanupWorkers, runWorker } from './support/ts-worker.js';

afterAll(() => cleanupWorkers());

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('ok/three processes opening one fresh database at once migrate it exactly once', async () => {
    const results = await Promise.all([
      runWorker<{ seq: number }>('open-worker', { config: t.config, tag: 'p1' }),
      runWorker<{ seq: number }>('open-worker', { config: t.config, tag: 'p2' }),
      runWorker<{ seq: number }>('open-worker', { config: t.config, tag: 'p3' }),
    ]);
    expect(results.map((r) => r.seq).sort()).toEqual([1, 2, 3]);
    const applied = await t.raw('SELECT name FROM kyso_migrations ORDER BY name');
    expect(applied.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
    const store = await openStore(t.config);
    try {
      expect(await store.audit.verifyChain()).toMatchObject({ ok: true, count: 3 });
      await store.ping();
    } finally {
      await store.close();
    }
  });
});
