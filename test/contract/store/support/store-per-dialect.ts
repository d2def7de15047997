import { afterAll, beforeAll } from 'vitest';
import { openStore, type OpenStoreOptions, type Store } from '../../../../src/store/index.js';
import type { StoreDialect } from '../../../../src/store/config.js';
import { createTestDb, type TestDb } from './test-db.js';

/** The database and the store one `describe.each(DIALECTS)` block shares. */
export interface DialectStore {
  /** The fresh database (SQLite temp file or `kyso_test_<random>` on PostgreSQL), for raw SQL. */
  readonly db: TestDb;
  readonly store: Store;
}

/**
 * Call inside a `describe`: before its tests, creates a fresh test database for `dialect` and
 * opens the store on it (migrating it); after them, closes the store and drops the database.
 * Fields are read lazily, so use `ctx.store` inside tests and hooks, not at collection time.
 */
export function storePerDialect(dialect: StoreDialect, options?: OpenStoreOptions): DialectStore {
  let db: TestDb | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    db = await createTestDb(dialect);
    store = await openStore(db.config, options);
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
  });
  return {
    get db() {
      if (!db) throw new TypeError('storePerDialect: the database is only there inside tests and hooks');
      return db;
    },
    get store() {
      if (!store) throw new TypeError('storePerDialect: the store is only there inside tests and hooks');
      return store;
    },
  };
}
