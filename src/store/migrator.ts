import { Migrator, type Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import type { StoreDialect } from './config.js';
import { CodeMigrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * Brings the schema to the latest version at start-up. Kysely's Migrator takes a lock (a PostgreSQL
 * advisory lock / the SQLite write lock) so several instances starting together migrate once.
 * Returns the names of the migrations applied by this call.
 */
function migratorFor(db: Kysely<Database>, dialect: StoreDialect): Migrator {
  return new Migrator({
    db,
    provider: new CodeMigrationProvider(dialect),
    migrationTableName: 'kyso_migrations',
    migrationLockTableName: 'kyso_migrations_lock',
  });
}

/** Names of the migrations this build knows that the database has not applied (readiness: a newer build on an older schema). */
export async function pendingMigrations(db: Kysely<Database>, dialect: StoreDialect): Promise<string[]> {
  const all = await migratorFor(db, dialect).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

export async function migrateToLatest(db: Kysely<Database>, dialect: StoreDialect): Promise<string[]> {
  const migrator = migratorFor(db, dialect);
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('STORE_UNAVAILABLE', `database migration ${failed} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
