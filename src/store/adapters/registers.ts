import { sql, type Kysely, type Selectable } from 'kysely';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type {
  EntryFilter,
  EntryStatus,
  NewRegisterEntry,
  RegisterEntryRecord,
  RegisterRepository,
  RegisterType,
  VolumeRecord,
  YearClosingRecord,
} from '../../copies/ports.js';
import type { Database, RegisterEntriesTable, RegisterVolumesTable, RegisterYearsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { date, dateOrNull, iso, pageOf } from './row-helpers.js';
import { runCompiled, type DbContext } from './tx-runner.js';
import type { DirectStatements } from '../database.js';
import type { StoreDialect } from '../config.js';
import { compiledStatement } from './compiled-statement.js';

const TYPE: RegisterType = 'SCT/BS';

/** The key of one authority's register for one year, shared by the entries, volumes and years tables. */
const yearKey = (authorityId: string, year: number) => ({ authority_id: authorityId, register_type: TYPE, year });

/**
 * The certification register (sổ chứng thực). Gap-free numbering: every allocation runs in one
 * transaction that first locks the (authority, type, year) counter row — by the UPDATE that
 * takes last_number + 1 (or `SELECT … FOR UPDATE` for a year's first number) on PostgreSQL, so
 * allocations from several service instances queue on that row; the database write lock (BEGIN
 * IMMEDIATE) on SQLite — and inserts the entry with that number in the same commit. A rollback returns the number with the entry, so no number is ever skipped; once
 * committed, an entry is never deleted (trigger), only marked failed or annulled.
 */
export class KyselyRegisterRepository implements RegisterRepository {
  constructor(private readonly ctx: DbContext) {}

  allocate(entry: NewRegisterEntry, year: number, openedBy: string): Promise<RegisterEntryRecord> {
    assertYear(year);
    return storeCall(() =>
      this.ctx.atomic(async (db, direct) => {
        const dialect = this.ctx.dialect;
        const number =
          (await takeNextNumber(db, direct, dialect, entry.authorityId, year)) ?? (await this.#firstNumber(db, entry.authorityId, year));
        let volume = await openVolumeRow(db, direct, dialect, entry.authorityId, year);
        if (!volume) volume = await insertNextVolume(db, entry.authorityId, year, openedBy, entry.certifiedAt);
        return insertEntry(db, direct, dialect, entry, year, Number(volume.volume), number);
      }),
    );
  }

  /**
   * The number when the open-year UPDATE changed no row: the year's first allocation (its counter
   * row is created here), or a refusal with its own error (unknown authority, closed year).
   */
  async #firstNumber(db: Kysely<Database>, authorityId: string, year: number): Promise<number> {
    await assertAuthority(db, authorityId);
    const counter = await this.#lockYear(db, authorityId, year);
    if (counter.closed_at !== null) throw closed(authorityId, year);
    const number = Number(counter.last_number) + 1;
    await db
      .updateTable('register_years')
      .set({ last_number: number })
      .where((eb) => eb.and(yearKey(authorityId, year)))
      .execute();
    return number;
  }

  recordCopyHash(id: string, copySha256: string): Promise<RegisterEntryRecord> {
    const { db, dialect } = this.ctx;
    return this.#transitioned(
      id,
      ['pending'],
      async () => (await this.ctx.execute(RECORD_COPY_HASH.bind(db, dialect, { id, copySha256 }))).rows[0],
    );
  }

  markValid(id: string, copySha256: string, at: Date): Promise<RegisterEntryRecord> {
    const { db, dialect } = this.ctx;
    return this.#transitioned(
      id,
      ['pending'],
      async () => (await this.ctx.execute(MARK_VALID.bind(db, dialect, { id, copySha256, at: iso(at) }))).rows[0],
    );
  }

  markFailed(id: string, reason: string, by: string, at: Date): Promise<RegisterEntryRecord> {
    return this.#transition(id, ['pending'], {
      status: 'failed',
      status_reason: reason,
      status_changed_by: by,
      status_changed_at: iso(at),
    });
  }

  annul(id: string, reason: string, by: string, at: Date): Promise<RegisterEntryRecord> {
    return this.#transition(id, ['valid', 'pending'], {
      status: 'annulled',
      status_reason: reason,
      status_changed_by: by,
      status_changed_at: iso(at),
    });
  }

  async get(id: string): Promise<RegisterEntryRecord | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('register_entries').selectAll().where('id', '=', id).executeTakeFirst());
    return row && toEntry(row);
  }

  async findByCode(lookupCode: string): Promise<RegisterEntryRecord | undefined> {
    const row = await storeCall(
      this.ctx.db.selectFrom('register_entries').selectAll().where('lookup_code', '=', lookupCode).executeTakeFirst(),
    );
    return row && toEntry(row);
  }

  async findByNumber(authorityId: string, year: number, number: number): Promise<RegisterEntryRecord | undefined> {
    const row = await storeCall(
      this.ctx.db
        .selectFrom('register_entries')
        .selectAll()
        .where((eb) => eb.and(yearKey(authorityId, year)))
        .where('number', '=', number)
        .executeTakeFirst(),
    );
    return row && toEntry(row);
  }

  async findByCopySha256(sha256: string): Promise<RegisterEntryRecord[]> {
    const rows = await storeCall(
      this.ctx.db
        .selectFrom('register_entries')
        .selectAll()
        .where('copy_sha256', '=', sha256.toLowerCase())
        .orderBy('certified_at')
        .execute(),
    );
    return rows.map(toEntry);
  }

  async list(f: EntryFilter): Promise<RegisterEntryRecord[]> {
    const { limit, offset } = pageOf(f);
    let q = this.ctx.db.selectFrom('register_entries').selectAll();
    if (f.authorityId !== undefined) q = q.where('authority_id', '=', f.authorityId);
    if (f.year !== undefined) q = q.where('year', '=', f.year);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.from !== undefined) q = q.where('certified_at', '>=', iso(f.from));
    if (f.to !== undefined) q = q.where('certified_at', '<', iso(f.to));
    const rows = await storeCall(q.orderBy('authority_id').orderBy('year').orderBy('number').limit(limit).offset(offset).execute());
    return rows.map(toEntry);
  }

  async listStalePending(olderThan: Date): Promise<RegisterEntryRecord[]> {
    const rows = await storeCall(
      this.ctx.db
        .selectFrom('register_entries')
        .selectAll()
        .where('status', '=', 'pending')
        .where('certified_at', '<', iso(olderThan))
        .orderBy('certified_at')
        .execute(),
    );
    return rows.map(toEntry);
  }

  openVolume(authorityId: string, year: number, by: string, at: Date): Promise<VolumeRecord> {
    return this.#inOpenYear(authorityId, year, async (db) => {
      await closeOpenVolumes(db, authorityId, year, at);
      return toVolume(await insertNextVolume(db, authorityId, year, by, at));
    });
  }

  async listVolumes(authorityId: string, year: number): Promise<VolumeRecord[]> {
    const rows = await storeCall(
      this.ctx.db
        .selectFrom('register_volumes')
        .selectAll()
        .where((eb) => eb.and(yearKey(authorityId, year)))
        .orderBy('volume')
        .execute(),
    );
    return rows.map(toVolume);
  }

  /** Closes the year; the total is the last number handed out (failed and annulled entries count: they hold numbers). */
  closeYear(authorityId: string, year: number, by: string, at: Date): Promise<YearClosingRecord> {
    return this.#inOpenYear(authorityId, year, async (db, counter) => {
      const total = Number(counter.last_number);
      await db
        .updateTable('register_years')
        .set({ closed_at: iso(at), closed_by: by, total })
        .where((eb) => eb.and(yearKey(authorityId, year)))
        .execute();
      await closeOpenVolumes(db, authorityId, year, at);
      return { authorityId, registerType: TYPE, year, total, closedAt: at, closedBy: by };
    });
  }

  /** The volumes closed with the year stay closed; the next allocation opens a new one. */
  async reopenYear(authorityId: string, year: number): Promise<void> {
    assertYear(year);
    await storeCall(
      this.ctx.db
        .updateTable('register_years')
        .set({ closed_at: null, closed_by: null, total: null })
        .where((eb) => eb.and(yearKey(authorityId, year)))
        .execute(),
    );
  }

  async getYearClosing(authorityId: string, year: number): Promise<YearClosingRecord | undefined> {
    const row = await storeCall(
      this.ctx.db
        .selectFrom('register_years')
        .selectAll()
        .where((eb) => eb.and(yearKey(authorityId, year)))
        .where('closed_at', 'is not', null)
        .executeTakeFirst(),
    );
    if (!row || row.closed_at === null) return undefined;
    return {
      authorityId,
      registerType: TYPE,
      year,
      total: Number(row.total ?? row.last_number),
      closedAt: date(row.closed_at),
      closedBy: row.closed_by ?? '',
    };
  }

  /**
   * Runs `work` in one transaction that holds the locked counter row of an open register year
   * (unknown authority → AUTHORITY_UNKNOWN, closed year → REGISTER_CLOSED). A bad year is misuse
   * and throws synchronously.
   */
  #inOpenYear<T>(
    authorityId: string,
    year: number,
    work: (db: Kysely<Database>, counter: Selectable<RegisterYearsTable>) => Promise<T>,
  ): Promise<T> {
    assertYear(year);
    return storeCall(() =>
      this.ctx.atomic(async (db) => {
        await assertAuthority(db, authorityId);
        const counter = await this.#lockYear(db, authorityId, year);
        if (counter.closed_at !== null) throw closed(authorityId, year);
        return work(db, counter);
      }),
    );
  }

  /**
   * Locks the year's counter row, creating it first when absent (race-safe: ON CONFLICT DO
   * NOTHING, then read again). The row exists for every allocation but a year's first, which
   * then costs one statement fewer.
   */
  async #lockYear(db: Kysely<Database>, authorityId: string, year: number): Promise<Selectable<RegisterYearsTable>> {
    const locked = () => {
      let q = db
        .selectFrom('register_years')
        .selectAll()
        .where((eb) => eb.and(yearKey(authorityId, year)));
      if (this.ctx.dialect === 'postgres') q = q.forUpdate();
      return q;
    };
    const found = await locked().executeTakeFirst();
    if (found) return found;
    await db
      .insertInto('register_years')
      .values({ authority_id: authorityId, register_type: TYPE, year, last_number: 0, closed_at: null, closed_by: null, total: null })
      .onConflict((oc) => oc.columns(['authority_id', 'register_type', 'year']).doNothing())
      .execute();
    return locked().executeTakeFirstOrThrow();
  }

  /**
   * One UPDATE … RETURNING (SQLite ≥ 3.35, PostgreSQL): a single statement is atomic on its own,
   * so the common case costs one round trip and no explicit transaction; the entry is read again
   * only to say why nothing changed.
   */
  #transition(id: string, from: EntryStatus[], set: Partial<RegisterEntriesTable>): Promise<RegisterEntryRecord> {
    return this.#transitioned(id, from, () =>
      this.ctx.db
        .updateTable('register_entries')
        .set(set)
        .where('id', '=', id)
        .where('status', 'in', from)
        .returningAll()
        .executeTakeFirst(),
    );
  }

  /** `update` is the transition's UPDATE … RETURNING (a statement compiled once on the copy's path). */
  async #transitioned(
    id: string,
    from: EntryStatus[],
    update: () => Promise<Selectable<RegisterEntriesTable> | undefined>,
  ): Promise<RegisterEntryRecord> {
    return storeCall(async () => {
      const db = this.ctx.db;
      const updated = await update();
      if (updated) return toEntry(updated);
      const row = await db.selectFrom('register_entries').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new AppError('COPY_NOT_FOUND', `no register entry ${id}`);
      throw new AppError('COPY_STATE_INVALID', `register entry is ${row.status}, expected ${from.join(' or ')}`, {
        details: { status: row.status },
      });
    });
  }
}

/** Inserts the `pending` entry with its number (in the allocation's transaction). */
async function insertEntry(
  db: Kysely<Database>,
  direct: DirectStatements | undefined,
  dialect: StoreDialect,
  entry: NewRegisterEntry,
  year: number,
  volume: number,
  number: number,
): Promise<RegisterEntryRecord> {
  const row: RegisterEntriesTable = {
    id: newId('ce'),
    authority_id: entry.authorityId,
    register_type: TYPE,
    year,
    volume,
    number,
    status: 'pending',
    lookup_code: entry.lookupCode,
    certifier_id: entry.certifierId,
    requester_name: entry.requesterName,
    requester_id_document: entry.requesterIdDocument,
    document_type: entry.documentType,
    document_title: entry.documentTitle,
    document_issuer: entry.documentIssuer,
    original_sha256: entry.originalSha256,
    original_pages: entry.originalPages,
    copies: entry.copies,
    fee_per_copy: entry.feePerCopy,
    fee_total: entry.feeTotal,
    copy_sha256: null,
    certified_at: iso(entry.certifiedAt),
    status_reason: null,
    status_changed_by: null,
    status_changed_at: null,
  };
  await runCompiled(db, direct, INSERT_ENTRY.bind(db, dialect, row));
  return toEntry(row);
}

/**
 * The common case in one statement: the year's counter row exists and is open, and the UPDATE
 * takes its lock (the row lock on PostgreSQL, whose READ COMMITTED re-reads a row updated
 * concurrently before incrementing it; the write lock already held on SQLite) and returns the
 * new last number. Undefined when no row changed (a first allocation of the year, a closed year,
 * an unknown authority). An existing counter row names an existing authority (foreign key).
 */
async function takeNextNumber(
  db: Kysely<Database>,
  direct: DirectStatements | undefined,
  dialect: StoreDialect,
  authorityId: string,
  year: number,
): Promise<number | undefined> {
  const row = (await runCompiled(db, direct, TAKE_NEXT_NUMBER.bind(db, dialect, { authorityId, year }))).rows[0];
  return row && Number(row.last_number);
}

async function assertAuthority(db: Kysely<Database>, id: string): Promise<void> {
  const a = await db.selectFrom('authorities').select('id').where('id', '=', id).executeTakeFirst();
  if (!a) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${id}`);
}

async function openVolumeRow(
  db: Kysely<Database>,
  direct: DirectStatements | undefined,
  dialect: StoreDialect,
  authorityId: string,
  year: number,
): Promise<Selectable<RegisterVolumesTable> | undefined> {
  return (await runCompiled(db, direct, OPEN_VOLUME.bind(db, dialect, { authorityId, year }))).rows[0];
}

async function closeOpenVolumes(db: Kysely<Database>, authorityId: string, year: number, at: Date): Promise<void> {
  await db
    .updateTable('register_volumes')
    .set({ closed_at: iso(at) })
    .where((eb) => eb.and(yearKey(authorityId, year)))
    .where('closed_at', 'is', null)
    .execute();
}

async function insertNextVolume(
  db: Kysely<Database>,
  authorityId: string,
  year: number,
  by: string,
  at: Date,
): Promise<RegisterVolumesTable> {
  const last = await db
    .selectFrom('register_volumes')
    .select((eb) => eb.fn.max('volume').as('max'))
    .where((eb) => eb.and(yearKey(authorityId, year)))
    .executeTakeFirst();
  const row: RegisterVolumesTable = {
    authority_id: authorityId,
    register_type: TYPE,
    year,
    volume: Number(last?.max ?? 0) + 1,
    opened_at: iso(at),
    opened_by: by,
    closed_at: null,
  };
  await db.insertInto('register_volumes').values(row).execute();
  return row;
}

function assertYear(year: number): void {
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new TypeError('register year must be an integer 2000..9999');
}

function closed(authorityId: string, year: number): AppError {
  return new AppError('REGISTER_CLOSED', `the ${year} register of ${authorityId} is closed`, { details: { authorityId, year } });
}

function toVolume(r: Selectable<RegisterVolumesTable>): VolumeRecord {
  return {
    authorityId: r.authority_id,
    registerType: r.register_type as RegisterType,
    year: Number(r.year),
    volume: Number(r.volume),
    openedAt: date(r.opened_at),
    openedBy: r.opened_by,
    closedAt: dateOrNull(r.closed_at),
  };
}

function toEntry(r: Selectable<RegisterEntriesTable>): RegisterEntryRecord {
  return {
    id: r.id,
    authorityId: r.authority_id,
    registerType: r.register_type as RegisterType,
    year: Number(r.year),
    volume: Number(r.volume),
    number: Number(r.number),
    status: r.status as EntryStatus,
    lookupCode: r.lookup_code,
    certifierId: r.certifier_id,
    requesterName: r.requester_name,
    requesterIdDocument: r.requester_id_document,
    documentType: r.document_type,
    documentTitle: r.document_title,
    documentIssuer: r.document_issuer,
    originalSha256: r.original_sha256,
    originalPages: Number(r.original_pages),
    copies: Number(r.copies),
    feePerCopy: Number(r.fee_per_copy),
    feeTotal: Number(r.fee_total),
    copySha256: r.copy_sha256,
    certifiedAt: date(r.certified_at),
    statusReason: r.status_reason,
    statusChangedBy: r.status_changed_by,
    statusChangedAt: dateOrNull(r.status_changed_at),
  };
}

// the statements of every certified copy, compiled once (./compiled-statement.ts)
type YearValues = { authorityId: string; year: number };
const TAKE_NEXT_NUMBER = compiledStatement<YearValues, { last_number: number }>(['authorityId', 'year'], (db, _d, m) =>
  db
    .updateTable('register_years')
    .set({ last_number: sql<number>`last_number + 1` })
    .where((eb) => eb.and(yearKey(m.authorityId, m.year)))
    .where('closed_at', 'is', null)
    .returning('last_number'),
);
const OPEN_VOLUME = compiledStatement<YearValues, Selectable<RegisterVolumesTable>>(['authorityId', 'year'], (db, _d, m) =>
  db
    .selectFrom('register_volumes')
    .selectAll()
    .where((eb) => eb.and(yearKey(m.authorityId, m.year)))
    .where('closed_at', 'is', null)
    .orderBy('volume', 'desc')
    // a literal: SQLite prepares a statement whose LIMIT is a bound parameter again on every run
    .limit(sql.lit(1)),
);
// every column, checked by the compiler: an entry is inserted whole
const ENTRY_COLUMNS = Object.keys({
  id: true,
  authority_id: true,
  register_type: true,
  year: true,
  volume: true,
  number: true,
  status: true,
  lookup_code: true,
  certifier_id: true,
  requester_name: true,
  requester_id_document: true,
  document_type: true,
  document_title: true,
  document_issuer: true,
  original_sha256: true,
  original_pages: true,
  copies: true,
  fee_per_copy: true,
  fee_total: true,
  copy_sha256: true,
  certified_at: true,
  status_reason: true,
  status_changed_by: true,
  status_changed_at: true,
} satisfies Record<keyof RegisterEntriesTable, true>) as (keyof RegisterEntriesTable)[];
const INSERT_ENTRY = compiledStatement<RegisterEntriesTable, never>(ENTRY_COLUMNS, (db, _d, m) =>
  db.insertInto('register_entries').values(m),
);
const RECORD_COPY_HASH = compiledStatement<{ id: string; copySha256: string }, Selectable<RegisterEntriesTable>>(
  ['id', 'copySha256'],
  (db, _d, m) =>
    db
      .updateTable('register_entries')
      .set({ copy_sha256: m.copySha256 })
      .where('id', '=', m.id)
      .where('status', '=', 'pending')
      .returningAll(),
);
const MARK_VALID = compiledStatement<{ id: string; copySha256: string; at: string }, Selectable<RegisterEntriesTable>>(
  ['id', 'copySha256', 'at'],
  (db, _d, m) =>
    db
      .updateTable('register_entries')
      .set({ status: 'valid', copy_sha256: m.copySha256, status_changed_at: m.at })
      .where('id', '=', m.id)
      .where('status', '=', 'pending')
      .returningAll(),
);
