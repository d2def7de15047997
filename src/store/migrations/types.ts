import type { Kysely } from 'kysely';
import type { StoreDialect } from '../config.js';

/**
 * Migrations are code (no files read at run time, so the compiled package works anywhere).
 * Each receives the dialect so the few non-portable bits (binary column type, triggers) can differ
 * while the tables and constraints stay the same on both engines.
 */
export interface PortableMigration {
  readonly name: string;
  // Migrations describe the schema they create, so they cannot be typed by it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>, dialect: StoreDialect): Promise<void>;
}

/** BLOB on SQLite, BYTEA on PostgreSQL; both read back as Buffer. */
export function binaryType(dialect: StoreDialect): 'blob' | 'bytea' {
  return dialect === 'postgres' ? 'bytea' : 'blob';
}
