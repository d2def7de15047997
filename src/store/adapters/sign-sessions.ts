import type { Insertable, Selectable } from 'kysely';
import type { HashName, SignatureAlgorithm } from '../../core/signature-algorithms.js';
import type { PadesLevel } from '../../core/pades-level.js';
import type { SignSession, SignSessionRepository } from '../../signing/ports.js';
import type { SignSessionsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { buf, changed, date, dateOrNull, decodeBuffers, encodeBuffers, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';
import { compiledStatement } from './compiled-statement.js';

export class KyselySignSessionRepository implements SignSessionRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(s: SignSession): Promise<void> {
    const { db, dialect } = this.ctx;
    await storeCall(this.ctx.execute(INSERT.bind(db, dialect, toRow(s))));
  }

  /** One multi-row INSERT: a batch's sessions are all written or none is. */
  async createMany(sessions: readonly SignSession[]): Promise<void> {
    if (sessions.length === 0) return;
    if (sessions.length === 1) return this.create(sessions[0]!);
    const { db, dialect } = this.ctx;
    const { statement, names } = insertMany(sessions.length);
    const values: Record<string, unknown> = {};
    let k = 0;
    for (const s of sessions) {
      const row = toRow(s);
      for (const c of COLUMNS) values[names[k++]!] = row[c];
    }
    await storeCall(this.ctx.execute(statement.bind(db, dialect, values)));
  }

  async get(id: string): Promise<SignSession | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(BY_ID.bind(db, dialect, { id })))).rows[0];
    return row && toSession(row);
  }

  /** Compare-and-set on used_at IS NULL: of two concurrent completions exactly one wins. */
  async consume(id: string, at: Date): Promise<boolean> {
    const { db, dialect } = this.ctx;
    const r = await storeCall(this.ctx.execute(CONSUME.bind(db, dialect, { id, at: iso(at) })));
    return Number(r.numAffectedRows ?? 0n) > 0;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, SignSession>> {
    if (ids.length === 0) return new Map();
    const rows =
      ids.length === 1
        ? (await storeCall(this.ctx.execute(BY_ID.bind(this.ctx.db, this.ctx.dialect, { id: ids[0]! })))).rows
        : (await storeCall(this.ctx.execute(byIds(ids.length).bind(this.ctx.db, this.ctx.dialect, idValues(ids))))).rows;
    return new Map(rows.map((r) => [r.id, toSession(r)]));
  }

  /** One UPDATE … WHERE used_at IS NULL RETURNING id: each row is marked by exactly one caller. */
  async consumeMany(ids: readonly string[], at: Date): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    if (ids.length === 1) return new Set((await this.consume(ids[0]!, at)) ? ids : []);
    const { db, dialect } = this.ctx;
    const { rows } = await storeCall(this.ctx.execute(consumeMany(ids.length).bind(db, dialect, { ...idValues(ids), at: iso(at) })));
    return new Set(rows.map((r) => r.id));
  }

  async release(id: string): Promise<void> {
    await storeCall(this.ctx.db.updateTable('sign_sessions').set({ used_at: null }).where('id', '=', id).execute());
  }

  async deleteExpired(before: Date): Promise<number> {
    const r = await storeCall(this.ctx.db.deleteFrom('sign_sessions').where('expires_at', '<', iso(before)).executeTakeFirst());
    return changed(r);
  }

  async discard(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await storeCall(
      this.ctx.db
        .deleteFrom('sign_sessions')
        .where('id', 'in', [...ids])
        .execute(),
    );
  }

  async countOpen(ownerId: string, at: Date): Promise<number> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(COUNT_OPEN.bind(db, dialect, { ownerId, at: iso(at) })))).rows[0];
    return Number(row?.n ?? 0);
  }
}

function toRow(s: SignSession): Insertable<SignSessionsTable> & SignSessionsTable {
  return {
    id: s.id,
    owner_id: s.ownerId,
    prepared_pdf: buf(s.preparedPdf),
    byte_range: JSON.stringify(s.byteRange),
    signed_attributes: buf(s.signedAttributes),
    digest_algorithm: s.digestAlgorithm,
    algorithm: s.algorithm,
    certificates: encodedChain(s.certificates),
    level: s.level,
    created_at: iso(s.createdAt),
    expires_at: iso(s.expiresAt),
    used_at: s.usedAt === null ? null : iso(s.usedAt),
  };
}

function toSession(r: Selectable<SignSessionsTable>): SignSession {
  const br = JSON.parse(r.byte_range) as [number, number, number, number];
  const byteRange = [br[0], br[1], br[2], br[3]] as const;
  return {
    id: r.id,
    ownerId: r.owner_id,
    preparedPdf: buf(r.prepared_pdf),
    byteRange,
    signedAttributes: buf(r.signed_attributes),
    digestAlgorithm: r.digest_algorithm as HashName,
    algorithm: r.algorithm as SignatureAlgorithm,
    certificates: decodedChain(r.certificates),
    level: r.level as PadesLevel,
    createdAt: date(r.created_at),
    expiresAt: date(r.expires_at),
    usedAt: dateOrNull(r.used_at),
  };
}

/**
 * The sessions of a batch share one chain: decoded once per text (each session gets its own array
 * of the same certificate Buffers, which nothing writes into). Bounded.
 */
function decodedChain(text: string): Buffer[] {
  let list = decodedChains.get(text);
  if (!list) {
    if (decodedChains.size >= 64) decodedChains.clear();
    decodedChains.set(text, (list = decodeBuffers(text)));
  }
  return [...list];
}
const decodedChains = new Map<string, Buffer[]>();

/**
 * The other way: the sessions a batch prepares share one chain array (of interned certificates,
 * which nothing writes into), encoded once for the batch's rows instead of once per row. The
 * array's elements are checked to be the same objects, in case the array was changed since.
 */
function encodedChain(list: readonly Buffer[]): string {
  const hit = encodedChains.get(list);
  if (hit && hit.of.length === list.length && hit.of.every((b, i) => b === list[i])) return hit.text;
  const text = encodeBuffers(list);
  encodedChains.set(list, { of: [...list], text });
  return text;
}
const encodedChains = new WeakMap<readonly Buffer[], { of: readonly Buffer[]; text: string }>();

// one of each per document of a two-phase batch: compiled once (./compiled-statement.ts)
const COLUMNS = [
  'id',
  'owner_id',
  'prepared_pdf',
  'byte_range',
  'signed_attributes',
  'digest_algorithm',
  'algorithm',
  'certificates',
  'level',
  'created_at',
  'expires_at',
  'used_at',
] as const satisfies readonly (keyof SignSessionsTable)[];
const INSERT = compiledStatement<SignSessionsTable, never>([...COLUMNS], (db, _d, m) => db.insertInto('sign_sessions').values(m));
const BY_ID = compiledStatement<{ id: string }, Selectable<SignSessionsTable>>(['id'], (db, _d, m) =>
  db.selectFrom('sign_sessions').selectAll().where('id', '=', m.id),
);
const COUNT_OPEN = compiledStatement<{ ownerId: string; at: string }, { n: number | string | bigint }>(['ownerId', 'at'], (db, _d, m) =>
  db
    .selectFrom('sign_sessions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('owner_id', '=', m.ownerId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', m.at),
);
const CONSUME = compiledStatement<{ id: string; at: string }, never>(['id', 'at'], (db, _d, m) =>
  db.updateTable('sign_sessions').set({ used_at: m.at }).where('id', '=', m.id).where('used_at', 'is', null),
);

/**
 * A batch's statements (its sessions written, read and consumed together), compiled once per
 * number of rows like the single-row ones: the workstation's groups come in a few sizes, at most
 * the batch limit. Each row's values are named `<column>_<row>`, each id `id_<n>`; the SQL is the
 * query builder's for that many rows, as when it was built on every call.
 */
function perRowCount<T>(build: (n: number) => T): (n: number) => T {
  const made = new Map<number, T>();
  return (n) => {
    let st = made.get(n);
    if (!st) {
      if (made.size >= 128) made.clear();
      made.set(n, (st = build(n)));
    }
    return st;
  };
}
const rowsOf = (n: number): number[] => [...Array(n).keys()];
const idNames = (n: number): string[] => rowsOf(n).map((i) => `id_${i}`);
const idValues = (ids: readonly string[]): Record<string, string> => Object.fromEntries(ids.map((id, i) => [`id_${i}`, id]));
/** With its value names in the order createMany fills them: row by row, each row in COLUMNS order. */
const insertMany = perRowCount((n) => {
  const names = rowsOf(n).flatMap((i) => COLUMNS.map((c) => `${c}_${i}`));
  const statement = compiledStatement<Record<string, unknown>, never>(names, (db, _d, m) =>
    db.insertInto('sign_sessions').values(rowsOf(n).map((i) => Object.fromEntries(COLUMNS.map((c) => [c, m[`${c}_${i}`]])) as never)),
  );
  return { statement, names };
});
const byIds = perRowCount((n) =>
  compiledStatement<Record<string, unknown>, Selectable<SignSessionsTable>>(idNames(n), (db, _d, m) =>
    db
      .selectFrom('sign_sessions')
      .selectAll()
      .where(
        'id',
        'in',
        idNames(n).map((k) => m[k]!),
      ),
  ),
);
const consumeMany = perRowCount((n) =>
  compiledStatement<Record<string, unknown>, { id: string }>(['at', ...idNames(n)], (db, _d, m) =>
    db
      .updateTable('sign_sessions')
      .set({ used_at: m.at! })
      .where(
        'id',
        'in',
        idNames(n).map((k) => m[k]!),
      )
      .where('used_at', 'is', null)
      .returning('id'),
  ),
);
