import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { StoreDialect } from '../config.js';
import type { DirectStatements } from '../database.js';
import type { Database } from '../schema.js';
import { writeTransaction } from '../transaction.js';

/**
 * How an adapter runs a unit of work that must be atomic. At top level it opens a write
 * transaction; inside `Store.transaction()` the adapters are rebuilt over the open transaction and
 * this runs the work directly in it (no nesting, so one commit covers all repositories).
 */
export interface DbContext {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /**
   * `direct` (SQLite only) runs statements on the connection the transaction holds, without the
   * query layer; it is handed out here only, so it is never used outside a transaction.
   */
  readonly atomic: <T>(fn: (db: Kysely<Database>, direct: DirectStatements | undefined) => Promise<T>) => Promise<T>;
  /**
   * Runs one compiled statement (./compiled-statement.ts) in this context, as `db.executeQuery`
   * would. On SQLite it runs on the connection directly when that is what Kysely would do: at top
   * level while no transaction is open on the connection (the statement is then its own
   * transaction, as through Kysely; with one open, it waits for the connection through Kysely),
   * inside a transaction on the connection that transaction holds.
   */
  readonly execute: <R>(query: CompiledQuery<R>) => Promise<QueryResult<R>>;
}

export function rootContext(db: Kysely<Database>, dialect: StoreDialect, direct?: DirectStatements): DbContext {
  return {
    db,
    dialect,
    atomic: (fn) => writeTransaction(db, dialect, (trx) => fn(trx, direct), direct),
    execute: direct
      ? (query) => (direct.inTransaction() ? db.executeQuery(query) : settled(() => direct.query(query)))
      : (query) => db.executeQuery(query),
  };
}

export function transactionContext(trx: Kysely<Database>, dialect: StoreDialect, direct?: DirectStatements): DbContext {
  return { db: trx, dialect, atomic: (fn) => fn(trx, direct), execute: (query) => runCompiled(trx, direct, query) };
}

/**
 * Runs a compiled statement inside a transaction: on the connection it holds (SQLite, `direct`
 * as handed out by `atomic`), else through Kysely on `db`, the transaction.
 */
export function runCompiled<R>(
  db: Kysely<Database>,
  direct: DirectStatements | undefined,
  query: CompiledQuery<R>,
): Promise<QueryResult<R>> {
  return direct?.inTransaction() ? settled(() => direct.query(query)) : db.executeQuery(query);
}

/** A synchronous driver call as a promise (its throw a rejection, as from Kysely). */
function settled<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
