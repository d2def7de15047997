import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { AppError } from '../../core/errors.js';
import { FACT_QUERIES, factsFromRows, type SnapshotFacts } from './snapshot-facts.js';

/**
 * PostgreSQL backup with the client tools of the same major version: `pg_dump` for the dump,
 * `psql` for the restore. pg_dump runs on a snapshot this process exported from a REPEATABLE READ
 * transaction (`pg_export_snapshot()`, PostgreSQL docs §9.27.5) in which the sealed keys and CA
 * key URIs are read too, so the dump and the facts beside it are the same instant.
 * The password never appears on a command line (visible in `ps`): it goes to the tools through
 * PGPASSWORD and the URL they get has none.
 */

/** The tool on PATH, else the newest /usr/lib/postgresql/<major>/bin (Debian installs them there). */
export function findPgTool(name: 'pg_dump' | 'psql', env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, name))) return join(dir, name);
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of majors) if (existsSync(join(base, v, 'bin', name))) return join(base, v, 'bin', name);
  throw new AppError('CONFIG_INVALID', `${name} (postgresql-client) is needed for a PostgreSQL backup or restore and was not found`);
}

/** The URL without its password, and the password apart. */
function splitPassword(url: string): { url: string; password: string | undefined } {
  const u = new URL(url);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.password = '';
  return { url: u.href, password };
}

function run(tool: string, args: readonly string[], url: string): Promise<void> {
  const { url: bare, password } = splitPassword(url);
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: '10' };
    if (password !== undefined) env.PGPASSWORD = password;
    const child = spawn(tool, [...args, '--dbname', bare], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 4000) err += b.toString();
    });
    child.on('error', (cause) => reject(new AppError('STORE_UNAVAILABLE', `${tool} could not be started`, { cause })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new AppError(
            'STORE_UNAVAILABLE',
            `${tool.split('/').pop() ?? tool} failed (exit ${code ?? 'signal'}): ${err.trim().split('\n').slice(-3).join(' / ')}`,
          ),
        );
    });
  });
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch (cause) {
    throw new AppError('STORE_UNAVAILABLE', 'the PostgreSQL database cannot be reached', { cause });
  }
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Plain-SQL dump of the whole database at one snapshot, plus the facts read in that snapshot. */
export async function snapshotPostgres(url: string, dest: string): Promise<SnapshotFacts> {
  const pgDump = findPgTool('pg_dump');
  return withClient(url, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const snap = (await c.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
      const facts = factsFromRows(
        (await c.query(FACT_QUERIES.sealedKeys)).rows as Record<string, unknown>[],
        (await c.query(FACT_QUERIES.caKeys)).rows as Record<string, unknown>[],
        (await c.query(FACT_QUERIES.migrations)).rows as Record<string, unknown>[],
      );
      // the exporting transaction must stay open until pg_dump has imported the snapshot
      await run(pgDump, ['--format=plain', '--no-owner', '--no-privileges', `--snapshot=${snap}`, '--file', dest], url);
      return facts;
    } finally {
      await c.query('COMMIT').catch(() => undefined);
    }
  });
}

/** Number of tables in the target database's schemas other than the system ones. */
export async function postgresTableCount(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const r = await c.query<{ n: string }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    );
    return Number(r.rows[0]!.n);
  });
}

/** `--force`: empties the public schema of the target (what was there is replaced by the backup). */
export async function clearPostgres(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('DROP SCHEMA IF EXISTS public CASCADE');
    await c.query('CREATE SCHEMA public');
  });
}

/** Replays the dump into the target in one transaction: all of it or nothing. */
export async function restorePostgres(url: string, dumpFile: string): Promise<void> {
  await run(findPgTool('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-f', dumpFile], url);
}
