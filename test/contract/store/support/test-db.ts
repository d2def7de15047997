import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { StoreConfig, StoreDialect } from '../../../../src/store/config.js';

/** PostgreSQL on this machine: trust auth for user postgres on 127.0.0.1. */
export const PG_ADMIN_URL = process.env.KYSO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const DIALECTS: readonly StoreDialect[] = ['sqlite', 'postgres'];

/**
 * A fresh, empty database for one test file: a temp SQLite file, or `kyso_test_<random>` created
 * on the local PostgreSQL and dropped afterwards. `raw` runs SQL outside the store (for
 * tampering tests and for checking what is really on disk).
 */
export interface TestDb {
  readonly dialect: StoreDialect;
  readonly config: StoreConfig;
  raw(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Multi-row INSERTs of 500 rows per statement (fixtures for large listings). */
  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  cleanup(): Promise<void>;
}

async function batchedInsert(t: Pick<TestDb, 'raw'>, table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
  const per = 500;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    await t.raw(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
  }
}

export async function createTestDb(dialect: StoreDialect): Promise<TestDb> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-store-'));
    const filename = join(dir, 'kyso.sqlite');
    let conn: BetterSqlite3.Database | undefined;
    const db: TestDb = {
      dialect,
      config: { dialect: 'sqlite', filename },
      async raw(text, params = []) {
        conn ??= new BetterSqlite3(filename);
        conn.pragma('busy_timeout = 10000');
        const stmt = conn.prepare(text);
        if (stmt.reader) return stmt.all(...params) as Record<string, unknown>[];
        stmt.run(...params);
        return [];
      },
      async insertRows(table, columns, rows) {
        await db.raw('BEGIN');
        await batchedInsert(db, table, columns, rows);
        await db.raw('COMMIT');
      },
      async cleanup() {
        conn?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return db;
  }
  const name = `kyso_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  let client: pg.Client | undefined;
  const db: TestDb = {
    dialect,
    config: { dialect: 'postgres', url: url.toString(), maxConnections: 8 },
    async raw(text, params = []) {
      if (!client) {
        client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
      }
      // pg uses $1, $2 … placeholders; tests write `?` for both engines.
      let i = 0;
      const r = await client.query(
        text.replace(/\?/g, () => `$${++i}`),
        params,
      );
      return r.rows as Record<string, unknown>[];
    },
    async insertRows(table, columns, rows) {
      await batchedInsert(db, table, columns, rows);
    },
    async cleanup() {
      await client?.end();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
  return db;
}
