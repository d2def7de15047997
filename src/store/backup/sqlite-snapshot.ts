import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { AppError } from '../../core/errors.js';
import { preparePrivateSqliteFile } from '../private-files.js';
import { FACT_QUERIES, factsFromRows, type SnapshotFacts } from './snapshot-facts.js';

/**
 * Online snapshot of the SQLite database through SQLite's backup API (better-sqlite3
 * `db.backup()`, sqlite3_backup_*): a page-by-page copy that restarts by itself when another
 * connection writes in between, so the result is one consistent state while `kyso serve` keeps
 * running. The copy is turned into a single self-contained file (rollback journal, no -wal).
 */
export async function snapshotSqlite(dbFile: string, dest: string): Promise<SnapshotFacts> {
  if (!existsSync(dbFile)) throw new AppError('NOT_FOUND', `no SQLite database at ${dbFile}`);
  const src = new BetterSqlite3(dbFile, { fileMustExist: true });
  try {
    src.pragma('busy_timeout = 10000');
    await src.backup(dest);
  } catch (cause) {
    throw new AppError('STORE_UNAVAILABLE', 'the SQLite backup failed', { cause });
  } finally {
    src.close();
  }
  const copy = new BetterSqlite3(dest, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new AppError('STORE_UNAVAILABLE', 'the SQLite snapshot failed its integrity check');
    return factsFromRows(
      copy.prepare(FACT_QUERIES.sealedKeys).all() as Record<string, unknown>[],
      copy.prepare(FACT_QUERIES.caKeys).all() as Record<string, unknown>[],
      copy.prepare(FACT_QUERIES.migrations).all() as Record<string, unknown>[],
    );
  } finally {
    copy.close();
  }
}

/** True when the SQLite file is missing, empty, or has no tables. */
export function sqliteIsEmpty(dbFile: string): boolean {
  if (!existsSync(dbFile) || statSync(dbFile).size === 0) return true;
  const db = new BetterSqlite3(dbFile, { fileMustExist: true, readonly: true });
  try {
    const row = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    return row.n === 0;
  } finally {
    db.close();
  }
}

/** Puts a restored database file in place (0600), removing any side files of a previous one. */
export function installSqlite(snapshotFile: string, dbFile: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(dbFile + suffix, { force: true });
  preparePrivateSqliteFile(dbFile);
  copyFileSync(snapshotFile, dbFile);
}
