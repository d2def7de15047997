import { sql, type Selectable } from 'kysely';
import type { SignatureAlgorithm } from '../../core/signature-algorithms.js';
import type { CredentialRepository, SigningCredential } from '../../signing/ports.js';
import type { SigningCredentialsTable } from '../schema.js';
import { storeCall } from '../errors.js';
import { date, dateOrNull, decodeBuffers, encodeBuffers, iso } from './row-helpers.js';
import type { DbContext } from './tx-runner.js';
import { compiledStatement } from './compiled-statement.js';
import { internCertificate } from '../../cms/certificate-intern.js';
import type { StoreDialect } from '../config.js';

/** Server-held signing credentials. Only the PIN's verifier is stored (signing/pin-hash.ts), never a PIN. */
export class KyselyCredentialRepository implements CredentialRepository {
  constructor(private readonly ctx: DbContext) {}

  async create(c: SigningCredential): Promise<void> {
    await storeCall(
      this.ctx.db
        .insertInto('signing_credentials')
        .values({
          id: c.id,
          owner_id: c.ownerId,
          label: c.label,
          key_uri: c.keyUri,
          certificates: encodeBuffers(c.certificates),
          algorithm: c.algorithm,
          pin_hash: c.pinHash,
          failed_attempts: c.failedAttempts,
          locked_at: c.lockedAt === null ? null : iso(c.lockedAt),
          created_at: iso(c.createdAt),
          updated_at: iso(c.updatedAt),
          activation_code_hash: c.activationCodeHash,
          activation_expires_at: c.activationExpiresAt === null ? null : iso(c.activationExpiresAt),
        })
        .execute(),
    );
  }

  async get(id: string): Promise<SigningCredential | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(BY_ID.bind(db, dialect, { id })))).rows[0];
    return row && toCredential(row);
  }

  async findByKeyUri(keyUri: string): Promise<SigningCredential | undefined> {
    const row = await storeCall(this.ctx.db.selectFrom('signing_credentials').selectAll().where('key_uri', '=', keyUri).executeTakeFirst());
    return row && toCredential(row);
  }

  async listByOwner(ownerId: string): Promise<SigningCredential[]> {
    const rows = await storeCall(
      this.ctx.db
        .selectFrom('signing_credentials')
        .selectAll()
        .where('owner_id', '=', ownerId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
    return rows.map(toCredential);
  }

  async listByPinVerifierForm(prefix: string): Promise<SigningCredential[]> {
    // A form's name is letters, digits and '-' before its '$': nothing LIKE would read as a wildcard.
    if (!/^[a-z0-9-]+\$$/.test(prefix)) throw new TypeError('listByPinVerifierForm: a form name followed by $');
    const rows = await storeCall(
      this.ctx.db
        .selectFrom('signing_credentials')
        .selectAll()
        .where('pin_hash', 'like', `${prefix}%`)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
    return rows.map(toCredential);
  }

  /**
   * One conditional UPDATE … RETURNING and no transaction held across the PIN hash: the row lock
   * of the update serialises concurrent guesses (both engines evaluate the WHERE against the
   * latest committed row), so only `lockAfter` of them ever get a slot.
   */
  async reservePinAttempt(id: string, lockAfter: number, at: Date): Promise<SigningCredential | undefined> {
    const { db, dialect } = this.ctx;
    const row = (await storeCall(this.ctx.execute(RESERVE_PIN_ATTEMPT.bind(db, dialect, { id, lockAfter, at: iso(at) })))).rows[0];
    return row && toCredential(row);
  }

  async lockWhenExhausted(id: string, lockAfter: number, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('signing_credentials')
        .set({ locked_at: iso(at), updated_at: iso(at) })
        .where('id', '=', id)
        .where('failed_attempts', '>=', lockAfter)
        .where('locked_at', 'is', null)
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  async resetPinFailures(id: string, at: Date): Promise<void> {
    const { db, dialect } = this.ctx;
    await storeCall(this.ctx.execute(RESET_PIN_FAILURES.bind(db, dialect, { id, at: iso(at) })));
  }

  async replacePinVerifier(id: string, expected: string, next: string, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('signing_credentials')
        .set({ pin_hash: next, updated_at: iso(at) })
        .where('id', '=', id)
        .where('pin_hash', '=', expected)
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) === 1;
  }

  async setActivation(id: string, codeHash: string, expiresAt: Date, at: Date): Promise<void> {
    await storeCall(
      this.ctx.db
        .updateTable('signing_credentials')
        .set({ pin_hash: '', activation_code_hash: codeHash, activation_expires_at: iso(expiresAt), updated_at: iso(at) })
        .where('id', '=', id)
        .execute(),
    );
  }

  async transfer(id: string, fromOwnerId: string, toOwnerId: string, codeHash: string, expiresAt: Date, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('signing_credentials')
        .set({
          owner_id: toOwnerId,
          pin_hash: '',
          activation_code_hash: codeHash,
          activation_expires_at: iso(expiresAt),
          updated_at: iso(at),
        })
        .where('id', '=', id)
        .where('owner_id', '=', fromOwnerId)
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) === 1;
  }

  /** Compare-and-set on the code hash and its expiry, so a code sets a PIN once. */
  async activate(id: string, codeHash: string, pinHash: string, at: Date): Promise<boolean> {
    const r = await storeCall(
      this.ctx.db
        .updateTable('signing_credentials')
        .set({
          pin_hash: pinHash,
          activation_code_hash: null,
          activation_expires_at: null,
          failed_attempts: 0,
          locked_at: null,
          updated_at: iso(at),
        })
        .where('id', '=', id)
        .where('activation_code_hash', '=', codeHash)
        .where('activation_expires_at', '>', iso(at))
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  async updateCertificates(id: string, certificates: readonly Buffer[], at: Date): Promise<void> {
    await storeCall(
      this.ctx.db
        .updateTable('signing_credentials')
        .set({ certificates: encodeBuffers(certificates), updated_at: iso(at) })
        .where('id', '=', id)
        .execute(),
    );
  }

  async delete(id: string): Promise<void> {
    await storeCall(this.ctx.db.deleteFrom('signing_credentials').where('id', '=', id).execute());
  }
}

/**
 * The stored chain column (JSON of base64 DER) as interned certificates. The same column text
 * comes back with every read of a credential (twice per PIN check, for both credentials of a
 * copy), and its decoding depends on the text alone: remembered per text, bounded. Each read
 * gets its own array.
 */
function certificateChain(text: string): Buffer[] {
  let chain = chains.get(text);
  if (chain === undefined) {
    chain = decodeBuffers(text).map(internCertificate);
    if (chains.size >= CHAINS_MAX) chains.clear();
    chains.set(text, chain);
  }
  return [...chain];
}
const CHAINS_MAX = 256;
const chains = new Map<string, readonly Buffer[]>();

function toCredential(r: Selectable<SigningCredentialsTable>): SigningCredential {
  return {
    id: r.id,
    ownerId: r.owner_id,
    label: r.label,
    keyUri: r.key_uri,
    // interned: the same certificate Buffer on every read, so the per-Buffer parse caches
    // (certificateInfo, subject fields) hit for a credential used again, as on every copy
    certificates: certificateChain(r.certificates),
    algorithm: r.algorithm as SignatureAlgorithm | null,
    pinHash: r.pin_hash,
    failedAttempts: Number(r.failed_attempts),
    lockedAt: dateOrNull(r.locked_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    activationCodeHash: r.activation_code_hash,
    activationExpiresAt: dateOrNull(r.activation_expires_at),
  };
}

/**
 * The two counter updates every PIN check makes (reserve, give back) commit on PostgreSQL
 * without waiting for the WAL flush: `set_config('synchronous_commit', 'off', true)` inside the
 * statement applies to its own transaction only (one round trip, no explicit transaction).
 * Atomicity and the row lock that serialises guesses are unchanged; only a crash of the
 * database server itself could forget the last fraction of a second of counts, whereas a
 * durable commit costs a disk flush (milliseconds) on every signature. The lock itself
 * (`lockWhenExhausted`) stays durable. Always true; SQLite commits as configured.
 */
function withoutFlushWait(dialect: StoreDialect) {
  return dialect === 'postgres' ? sql<boolean>`set_config('synchronous_commit', 'off', true) is not null` : sql<boolean>`1 = 1`;
}

// the statements of every PIN check, compiled once (./compiled-statement.ts)
const BY_ID = compiledStatement<{ id: string }, Selectable<SigningCredentialsTable>>(['id'], (db, _d, m) =>
  db.selectFrom('signing_credentials').selectAll().where('id', '=', m.id),
);
const RESERVE_PIN_ATTEMPT = compiledStatement<{ id: string; lockAfter: number; at: string }, Selectable<SigningCredentialsTable>>(
  ['id', 'lockAfter', 'at'],
  (db, dialect, m) =>
    db
      .updateTable('signing_credentials')
      .set({ failed_attempts: sql<number>`failed_attempts + 1`, updated_at: m.at })
      .where('id', '=', m.id)
      .where('failed_attempts', '<', m.lockAfter)
      .where('locked_at', 'is', null)
      .where(withoutFlushWait(dialect))
      .returningAll(),
);
const RESET_PIN_FAILURES = compiledStatement<{ id: string; at: string }, never>(['id', 'at'], (db, dialect, m) =>
  db
    .updateTable('signing_credentials')
    .set({ failed_attempts: 0, updated_at: m.at })
    .where('id', '=', m.id)
    .where('failed_attempts', '<>', 0)
    .where(withoutFlushWait(dialect)),
);
