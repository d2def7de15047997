import { describe, expect, it } from 'vitest';
import { Kysely, SqliteDialect, PostgresDialect } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Database } from '../../../src/store/schema.js';
import { compiledStatement } from '../../../src/store/adapters/compiled-statement.js';

// Compiling only: neither database is connected to (Kysely connects on the first query).
const sqlite = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
const postgres = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });

describe('compiledStatement', () => {
  const statement = compiledStatement<{ id: string; at: string }, never>(['id', 'at'], (db, _d, m) =>
    db
      .updateTable('signing_credentials')
      .set({ failed_attempts: 0, updated_at: m.at })
      .where('id', '=', m.id)
      .where('failed_attempts', '<>', 0),
  );

  it('ok/binds the named values into their slots and keeps the values the builder put there, per dialect', () => {
    const a = statement.bind(sqlite, 'sqlite', { id: 'cred_1', at: '2026-01-01T00:00:00.000Z' });
    expect(a.sql).toBe(
      'update "signing_credentials" set "failed_attempts" = ?, "updated_at" = ? where "id" = ? and "failed_attempts" <> ?',
    );
    expect(a.parameters).toEqual([0, '2026-01-01T00:00:00.000Z', 'cred_1', 0]);
    const b = statement.bind(sqlite, 'sqlite', { id: 'cred_2', at: '2026-01-02T00:00:00.000Z' });
    expect(b.parameters).toEqual([0, '2026-01-02T00:00:00.000Z', 'cred_2', 0]);
    expect(a.parameters).toEqual([0, '2026-01-01T00:00:00.000Z', 'cred_1', 0]);
    const p = statement.bind(postgres, 'postgres', { id: 'cred_3', at: '2026-01-03T00:00:00.000Z' });
    expect(p.sql).toContain('"id" = $3');
    expect(p.parameters).toEqual([0, '2026-01-03T00:00:00.000Z', 'cred_3', 0]);
  });

  it('fail/a named value the statement does not use is a programming error, said at the first bind', () => {
    const unused = compiledStatement<{ id: string; extra: string }, never>(['id', 'extra'], (db, _d, m) =>
      db.selectFrom('authorities').selectAll().where('id', '=', m.id),
    );
    expect(() => unused.bind(sqlite, 'sqlite', { id: 'a', extra: 'b' })).toThrow(/no slot for extra/);
  });
});
