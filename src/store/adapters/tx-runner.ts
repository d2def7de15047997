import type { Kysely } from 'kysely';
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
}

export function rootContext(db: Kysely<Database>, dialect: StoreDialect, direct?: DirectStatements): DbContext {
  return { db, dialect, atomic: (fn) => writeTransaction(db, dialect, (trx) => fn(trx, direct)) };
}

export function transactionContext(trx: Kysely<Database>, dialect: StoreDialect, direct?: DirectStatements): DbContext {
  return { db: trx, dialect, atomic: (fn) => fn(trx, direct) };
}
