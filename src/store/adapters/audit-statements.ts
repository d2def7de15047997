import type { CompiledQuery, Kysely } from 'kysely';
import type { AuditRecord } from '../../audit/audit-log.js';
import type { StoreDialect } from '../config.js';
import type { Database } from '../schema.js';

/**
 * The statements of an audit append, each defined once with the query builder and compiled once
 * per dialect: building and compiling a query costs more CPU than SQLite takes to run it, and an
 * append runs on every state change. Values are bound by position: the statement is compiled with
 * named marker values in place of the real ones, the parameter slot of each marker is found once,
 * and a call only copies its values into those slots.
 */
export interface AppendStatements {
  /** The head row, locked on PostgreSQL (SQLite holds the write lock from BEGIN IMMEDIATE). */
  readonly head: CompiledQuery<HeadRow>;
  /** Inserting events moves the head to the last of them (trigger of migration 0015). */
  insertEvents(events: readonly StoredEvent[]): CompiledQuery;
}

/** The audit head as read (PostgreSQL may return an integer as text). */
export interface HeadRow {
  readonly seq: number | string;
  readonly hash: string;
}

/** A record with the text its details are stored as (their canonical JSON, see chain.ts). */
export interface StoredEvent {
  readonly record: AuditRecord;
  readonly detailsJson: string | null;
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

/** A compiled statement and, per parameter, the index of the value bound there (-1: as compiled). */
interface Template {
  readonly query: CompiledQuery;
  readonly slots: readonly number[];
  /** Every parameter is a value, in order (a multi-row INSERT): the values are the parameters. */
  readonly valuesOnly: boolean;
}

/** Finds the slot of each named marker in `query`; every name must occur. */
function template(query: CompiledQuery, names: readonly string[]): Template {
  const index = new Map(names.map((n, i) => [marker(n), i]));
  const slots = query.parameters.map((p) => (typeof p === 'string' ? (index.get(p) ?? -1) : -1));
  for (const [i, n] of names.entries()) if (!slots.includes(i)) throw new Error(`audit statement: no slot for ${n}`);
  return { query, slots, valuesOnly: slots.length === names.length && slots.every((v, j) => v === j) };
}

function bind(t: Template, values: readonly unknown[]): CompiledQuery {
  const compiledParameters = t.query.parameters;
  const parameters = t.valuesOnly ? values : t.slots.map((v, j) => (v === -1 ? compiledParameters[j] : values[v]));
  return { ...t.query, parameters };
}

function compileAppend(db: Kysely<Database>, dialect: StoreDialect): AppendStatements {
  let head = db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  if (dialect === 'postgres') head = head.forUpdate();
  // multi-row INSERTs by row count (group commit writes up to GROUP_MAX records in one statement)
  const inserts = new Map<number, Template>();
  const insertFor = (n: number): Template => {
    let t = inserts.get(n);
    if (!t) {
      const names = Array.from({ length: n }, (_, i) => EVENT_COLUMNS.map((c) => `${i}:${c}`));
      const q = db
        .insertInto('audit_events')
        .values(names.map((row) => Object.fromEntries(row.map((name, c) => [EVENT_COLUMNS[c], marker(name)]))) as never)
        .compile();
      t = template(q, names.flat());
      inserts.set(n, t);
    }
    return t;
  };
  return {
    head: head.compile(),
    insertEvents(events) {
      const values: unknown[] = [];
      for (const { record: r, detailsJson } of events) {
        // in EVENT_COLUMNS order
        values.push(r.seq, r.time, r.actor, r.role, r.action, r.target, r.outcome, detailsJson, r.prevHash, r.hash);
      }
      return bind(insertFor(events.length), values);
    },
  };
}

const EVENT_COLUMNS = ['seq', 'time', 'actor', 'role', 'action', 'target', 'outcome', 'details', 'prev_hash', 'hash'] as const;
