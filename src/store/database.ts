import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { closeSync, openSync } from 'node:fs';
import { Kysely, PostgresDialect, SqliteDialect, type CompiledQuery, type QueryResult } from 'kysely';
import type { StoreConfig, StoreDialect } from './config.js';
import type { Database } from './schema.js';
import { preparePrivateSqliteFile } from './private-files.js';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** SQLite only: the connection's statements, run without the query layer (see DirectStatements). */
  readonly direct?: DirectStatements;
}

/**
 * Statements run on the SQLite connection directly, for a statement compiled once and run on every
 * request or state change, where Kysely's per-query work (connection hand-over, promise chain,
 * result object) costs more CPU and allocation than SQLite takes to run it. Only for code that
 * holds the connection, i.e. inside a write transaction (handed out by `DbContext.atomic`), or
 * for a single statement while no transaction is open on the connection (`DbContext.execute`
 * checks `inTransaction` first): a statement run at any other moment would join whatever
 * transaction is open on the connection.
 */
export interface DirectStatements {
  /** Runs a statement that returns no rows; the number of rows it changed. */
  run(sql: string, parameters: readonly unknown[]): number;
  /** The first row a query returns, if any. */
  get<R>(sql: string, parameters: readonly unknown[]): R | undefined;
  /** Runs a compiled query and answers as Kysely's SQLite driver does (rows, or the changed-row count). */
  query<R>(query: CompiledQuery<R>): QueryResult<R>;
  /** Whether a transaction is open on the connection (SQLite's autocommit mode is off). */
  inTransaction(): boolean;
}

/**
 * Builds the Kysely instance for either dialect.
 * SQLite: WAL so readers never block the writer, a busy timeout so a second process waits for
 * the write lock instead of failing at once, foreign keys on (off by default in SQLite), and
 * synchronous = NORMAL, which in WAL mode syncs at checkpoints: a commit survives a killed process,
 * an OS crash may lose the last whole commits (SQLite "WAL mode" documentation, synchronous).
 * PostgreSQL: a pg Pool; int8/numeric stay strings in pg by default, so the schema avoids them.
 */
export function createDatabase(config: StoreConfig): DatabaseHandle {
  if (config.dialect === 'sqlite') {
    if (config.filename !== ':memory:') preparePrivateSqliteFile(config.filename);
    const sqlite = new BetterSqlite3(config.filename);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(config.busyTimeoutMs ?? 10_000))}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    const database = cachingDatabase(sqlite);
    const direct: DirectStatements = {
      run: (sqlText, parameters) => database.prepare(sqlText).run(parameters).changes,
      get: <R>(sqlText: string, parameters: readonly unknown[]) => database.prepare(sqlText).get(parameters) as R | undefined,
      query: <R>(q: CompiledQuery<R>): QueryResult<R> => {
        const st = database.prepare(q.sql);
        if (st.reader) return { rows: st.all(q.parameters) as R[] };
        const { changes, lastInsertRowid } = st.run(q.parameters);
        return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
      },
      inTransaction: () => sqlite.inTransaction,
    };
    return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite', direct };
  }
  const pool = new pg.Pool({ connectionString: config.url, max: config.maxConnections ?? 10 });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}

/**
 * Kysely's SQLite adapter takes no migration lock (it assumes one process), so several processes
 * starting on one fresh file could each apply 0001. Migrations on SQLite therefore run while this
 * process holds the write lock of a small side file (`<db>-migrate.lock`, BEGIN IMMEDIATE): the
 * others wait (busy timeout) and then find nothing left to apply. A side file, not the database
 * itself, so the migrator's own connection is never blocked by our lock.
 */
export async function withSqliteMigrationLock<T>(filename: string, fn: () => Promise<T>): Promise<T> {
  if (filename === ':memory:' || filename === '') return fn();
  closeSync(openSync(`${filename}-migrate.lock`, 'a', 0o600));
  const lock = new BetterSqlite3(`${filename}-migrate.lock`);
  try {
    lock.pragma('busy_timeout = 60000');
    lock.exec('BEGIN IMMEDIATE');
    lock.exec('CREATE TABLE IF NOT EXISTS migrate_lock (id INTEGER PRIMARY KEY)');
    try {
      return await fn();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}

/**
 * Kysely prepares every query afresh; the same few dozen SQL texts recur (the adapters build
 * them from fixed shapes), so prepared statements are kept per SQL text (bounded, LRU-ish).
 * Safe because Kysely serialises all use of the single SQLite connection, and DirectStatements
 * run only while a transaction holds it.
 */
function cachingDatabase(db: BetterSqlite3.Database): { close(): void; prepare(sql: string): BetterSqlite3.Statement } {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sqlText: string) {
      let st = cache.get(sqlText);
      if (st) {
        cache.delete(sqlText);
        cache.set(sqlText, st);
        return st;
      }
      st = db.prepare(sqlText);
      cache.set(sqlText, st);
      if (cache.size > 500) cache.delete(cache.keys().next().value as string);
      return st;
    },
  };
}
