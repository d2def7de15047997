import type { CompiledQuery, Kysely } from 'kysely';
import type { AuditRecord } from '../../audit/audit-log.js';
import type { StoreDialect } from '../config.js';
import type { Database } from '../schema.js';

/**
 * The statements of an audit append, each defined once with the query builder and compiled once
 * per dialect: building and compiling a query costs more CPU than SQLite takes to run it, and an
 * append runs on every state change. Values are bound by name (`bind`): the statement is compiled
 * with marker values in place of the real ones, and each marker's parameter slot is filled per call.
 */
export interface AppendStatements {
  /** The head row, locked on PostgreSQL (SQLite holds the write lock from BEGIN IMMEDIATE). */
  readonly head: CompiledQuery<{ seq: number | string; hash: string }>;
  insertEvents(records: readonly AuditRecord[]): CompiledQuery;
  moveHead(seq: number, hash: string): CompiledQuery;
}

const compiled = new Map<StoreDialect, AppendStatements>();

/** The statements for `db`'s dialect (compiled on first use; the store uses no Kysely plugins). */
export function appendStatements(db: Kysely<Database>, dialect: StoreDialect): AppendStatements {
  let s = compiled.get(dialect);
  if (!s) {
    s = compileAppend(db, dialect);
    compiled.set(dialect, s);
  }
  return s;
}

/** A marker value: unique, and never a value an append binds (it starts with a NUL). */
const marker = (name: string): string => `\u0000${name}`;

function compileAppend(db: Kysely<Database>, dialect: StoreDialect): AppendStatements {
  let head = db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  if (dialect === 'postgres') head = head.forUpdate();
  const move = db
    .updateTable('audit_head')
    .set({ seq: marker('seq') as unknown as number, hash: marker('hash') })
    .where('id', '=', 1)
    .compile();
  // multi-row INSERTs by row count (group commit writes up to GROUP_MAX records in one statement)
  const inserts = new Map<number, CompiledQuery>();
  const insertFor = (n: number): CompiledQuery => {
    let q = inserts.get(n);
    if (!q) {
      q = db
        .insertInto('audit_events')
        .values(Array.from({ length: n }, (_, i) => Object.fromEntries(EVENT_COLUMNS.map((c) => [c, marker(`${i}:${c}`)])) as never))
        .compile();
      inserts.set(n, q);
    }
    return q;
  };
  return {
    head: head.compile(),
    insertEvents(records) {
      const values = new Map<string, unknown>();
      records.forEach((r, i) => {
        const row = eventRow(r);
        for (const c of EVENT_COLUMNS) values.set(marker(`${i}:${c}`), row[c]);
      });
      return bind(insertFor(records.length), values);
    },
    moveHead: (seq, hash) =>
      bind(
        move,
        new Map<string, unknown>([
          [marker('seq'), seq],
          [marker('hash'), hash],
        ]),
      ),
  };
}

const EVENT_COLUMNS = ['seq', 'time', 'actor', 'role', 'action', 'target', 'outcome', 'details', 'prev_hash', 'hash'] as const;

function eventRow(r: AuditRecord): Record<(typeof EVENT_COLUMNS)[number], unknown> {
  return {
    seq: r.seq,
    time: r.time,
    actor: r.actor,
    role: r.role,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    details: r.details === null ? null : JSON.stringify(r.details),
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

function bind(q: CompiledQuery, values: ReadonlyMap<string, unknown>): CompiledQuery {
  const parameters = q.parameters.map((p) => {
    if (typeof p !== 'string' || !p.startsWith('\u0000')) return p;
    if (!values.has(p)) throw new Error(`audit statement: no value for ${p.slice(1)}`);
    return values.get(p);
  });
  return { ...q, parameters };
}
