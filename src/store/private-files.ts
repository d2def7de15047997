import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The SQLite database holds sealed keys, token hashes, register entries and the audit log: only
 * the service account may read it. SQLite's unix VFS gives the -wal, -shm and journal files the
 * permissions of the database file, so creating that file 0600 (before SQLite does, with the
 * process umask) makes the whole set private. Files left 0644 by an older version are tightened.
 */
const SIDE_FILES = ['', '-wal', '-shm', '-journal', '-migrate.lock'];

/** Creates `filename`'s directory (0700 when new) and the file itself 0600 when missing; tightens the existing set. */
export function preparePrivateSqliteFile(filename: string): void {
  const dir = dirname(filename);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(filename, 'a', 0o600));
  for (const suffix of SIDE_FILES) if (existsSync(filename + suffix)) chmodSync(filename + suffix, 0o600);
}
