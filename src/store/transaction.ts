import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from './config.js';
import type { DirectStatements } from './database.js';
import type { Database } from './schema.js';
import { toStoreError } from './errors.js';

/**
 * Runs `fn` in one write transaction and commits, or rolls back on any throw.
 *
 * SQLite: `BEGIN IMMEDIATE` takes the database write lock up front, so a read-then-write
 * (e.g. read the audit head, append after it) in one process cannot interleave with another
 * process's, and never fails with SQLITE_BUSY_SNAPSHOT on lock upgrade. Within one process
 * Kysely's single SQLite connection is already mutex-guarded: inside `fn` use only `trx`, never
 * the outer handle (that would wait for the connection `fn` holds).
 * PostgreSQL: READ COMMITTED; callers that need serial order lock a row with `FOR UPDATE`.
 * `direct` (SQLite): BEGIN, COMMIT and ROLLBACK run on the connection directly once it is held,
 * as the statements inside do (./database.ts DirectStatements).
 */
export async function writeTransaction<T>(
  db: Kysely<Database>,
  dialect: StoreDialect,
  fn: (trx: Kysely<Database>) => Promise<T>,
  direct?: DirectStatements,
): Promise<T> {
  try {
    if (dialect === 'postgres') return await db.transaction().execute(fn);
    const control = async (conn: Kysely<Database>, statement: 'BEGIN IMMEDIATE' | 'COMMIT' | 'ROLLBACK'): Promise<void> => {
      if (direct) direct.run(statement, []);
      else await sql.raw(statement).execute(conn);
    };
    return await db.connection().execute(async (conn) => {
      await control(conn, 'BEGIN IMMEDIATE');
      let result: T;
      try {
        result = await fn(conn);
      } catch (err) {
        await control(conn, 'ROLLBACK').catch(() => undefined);
        throw err;
      }
      await control(conn, 'COMMIT');
      return result;
    });
  } catch (err) {
    throw toStoreError(err);
  }
}
